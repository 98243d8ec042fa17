// Sortable, paged tables whose order and page live in the URL
// (?sort=days&dir=desc&page=2), so a sorted page is a bookmark, the back
// button works, and sorting needs no script. Pure: no HTTP server, no calls.
//
//   Table table({{.key = "id", .label = "Profile"},
//                {.key = "days", .label = "Days waited", .numeric = true}},
//               {.default_sort = "days", .default_descending = true});
//   for (const v1::Child& c : children) {
//     data row;  // whatever the page's cells show
//     row.set("id", ...);
//     table.AddRow(row, {SortKey(id), SortKey(days)});  // one per column
//   }
//   d.set("children_table", table.Render(req.params, "/"));
//
// and in the template (the rows' cells are the page's own):
//
//   {{#children_table}}
//   <table class="govuk-table">
//   {{> table_head}}
//   <tbody class="govuk-table__body">{{#rows}}<tr ...>...</tr>{{/rows}}</tbody>
//   </table>
//   {{> table_foot}}
//   {{/children_table}}
//
// table_head.mustache draws the header row with sort links and aria-sort;
// table_foot.mustache the "Showing 1 to 50 of 230" line and GOV.UK
// pagination. Two tables on one page take different prefixes ("h" reads
// h_sort, h_dir and h_page); each keeps the other's parameters in its links.
#ifndef RAAMATCH_CLIENTS_WEB_TABLES_H_
#define RAAMATCH_CLIENTS_WEB_TABLES_H_

#include <cstdint>
#include <kainjow/mustache.hpp>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace raa::web {

struct TableColumn {
  std::string key;       // in the URL: ?sort=<key>
  std::string label;     // the header's text
  bool numeric = false;  // right-aligned (govuk-table__header--numeric)
  bool sortable = true;
};

struct TableOptions {
  // The column sorted on when the URL names none; empty keeps the order the
  // rows were added in (a ranking's order).
  std::string default_sort = {};
  bool default_descending = false;
  int page_size = 50;
  std::string prefix = {};  // "" or e.g. "h": the parameters become h_sort, ...
};

// A cell's sort key: a number, a text (compared case-insensitively), or
// nothing (always after the others, in either direction).
using SortKey = std::variant<std::monostate, int64_t, std::string>;

// The URL's query parameters, as httplib::Request::params holds them.
using QueryParams = std::multimap<std::string, std::string>;

class Table {
 public:
  Table(std::vector<TableColumn> columns, TableOptions options = {});

  // One row: what its cells show, and one sort key per column (missing keys
  // count as nothing).
  void AddRow(kainjow::mustache::data row, std::vector<SortKey> keys);
  // Render shows the page holding the row added `index`-th (counting from
  // 0), whatever page the URL names: the row a refused form is beside, so
  // the error summary's link to it lands on the page.
  void ShowRow(size_t index) { shown_row_ = index; }

  size_t size() const { return rows_.size(); }

  // Sorts (stably: equal keys keep the order added) by the column and
  // direction `params` name, falling back to the defaults for an unknown
  // column, and keeps the page `params` names (clamped to 1..last). `path`
  // is the page's own path ("/children/leeds/c1"); the links keep the
  // other query parameters. The data: columns (label, href, aria_sort,
  // numeric, sortable), rows (this page's), has_rows, total, from, to,
  // showing ("Showing 51 to 100 of 230"), and pagination (has_pages,
  // previous_href, next_href, items with number, href, current, ellipsis).
  kainjow::mustache::data Render(const QueryParams& params,
                                 const std::string& path) const;

 private:
  struct Row {
    kainjow::mustache::data cells;
    std::vector<SortKey> keys;
  };
  std::vector<TableColumn> columns_;
  TableOptions options_;
  std::vector<Row> rows_;
  std::optional<size_t> shown_row_;
};

// `path` with `params` as its query string, each value percent-encoded; the
// parameters in `set` replace those of the same name (an empty value removes
// it).
std::string UrlWith(const std::string& path, const QueryParams& params,
                    const std::map<std::string, std::string>& set);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_TABLES_H_
