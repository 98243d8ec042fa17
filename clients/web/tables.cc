#include "clients/web/tables.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

std::string Param(const QueryParams& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

// <0, 0, >0 as a is before, equal to or after b in ascending order; nothing
// is handled by the caller.
int Compare(const SortKey& a, const SortKey& b) {
  if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
  if (const int64_t* x = std::get_if<int64_t>(&a)) {
    int64_t y = std::get<int64_t>(b);
    return *x < y ? -1 : *x > y ? 1 : 0;
  }
  if (const std::string* x = std::get_if<std::string>(&a)) {
    const std::string& y = std::get<std::string>(b);
    std::string lx = absl::AsciiStrToLower(*x);
    std::string ly = absl::AsciiStrToLower(y);
    return lx < ly ? -1 : lx > ly ? 1 : 0;
  }
  return 0;
}

}  // namespace

std::string UrlWith(const std::string& path, const QueryParams& params,
                    const std::map<std::string, std::string>& set) {
  std::string query;
  auto add = [&](const std::string& name, const std::string& value) {
    absl::StrAppend(&query, query.empty() ? "?" : "&", PercentEncode(name), "=",
                    PercentEncode(value));
  };
  for (const auto& [name, value] : params) {
    if (!set.contains(name)) add(name, value);
  }
  for (const auto& [name, value] : set) {
    if (!value.empty()) add(name, value);
  }
  return path + query;
}

Table::Table(std::vector<TableColumn> columns, TableOptions options)
    : columns_(std::move(columns)), options_(std::move(options)) {
  if (options_.page_size < 1) options_.page_size = 1;
}

void Table::AddRow(data row, std::vector<SortKey> keys) {
  keys.resize(columns_.size());
  rows_.push_back({std::move(row), std::move(keys)});
}

data Table::Render(const QueryParams& params, const std::string& path) const {
  const std::string sort_name = options_.prefix.empty()
                                    ? std::string("sort")
                                    : absl::StrCat(options_.prefix, "_sort");
  const std::string dir_name = options_.prefix.empty()
                                   ? std::string("dir")
                                   : absl::StrCat(options_.prefix, "_dir");
  const std::string page_name = options_.prefix.empty()
                                    ? std::string("page")
                                    : absl::StrCat(options_.prefix, "_page");

  // The column and direction: the URL's if it names a sortable column.
  int sort_column = -1;
  bool descending = options_.default_descending;
  std::string asked = Param(params, sort_name);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].sortable && columns_[i].key == asked) {
      sort_column = static_cast<int>(i);
      descending = Param(params, dir_name) == "desc";
    }
  }
  if (sort_column < 0) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].key == options_.default_sort) {
        sort_column = static_cast<int>(i);
      }
    }
  }

  std::vector<size_t> order(rows_.size());
  std::iota(order.begin(), order.end(), 0);
  if (sort_column >= 0) {
    size_t c = static_cast<size_t>(sort_column);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const SortKey& x = rows_[a].keys[c];
      const SortKey& y = rows_[b].keys[c];
      bool x_none = std::holds_alternative<std::monostate>(x);
      bool y_none = std::holds_alternative<std::monostate>(y);
      if (x_none || y_none) return !x_none && y_none;
      int cmp = Compare(x, y);
      return descending ? cmp > 0 : cmp < 0;
    });
  }

  const int total = static_cast<int>(rows_.size());
  const int pages =
      std::max(1, (total + options_.page_size - 1) / options_.page_size);
  int page = 1;
  if (!absl::SimpleAtoi(Param(params, page_name), &page)) page = 1;
  page = std::clamp(page, 1, pages);
  if (shown_row_.has_value() && *shown_row_ < rows_.size()) {
    const size_t at = static_cast<size_t>(
        std::find(order.begin(), order.end(), *shown_row_) - order.begin());
    page = static_cast<int>(at) / options_.page_size + 1;
  }

  data out;
  data columns(data::type::list);
  for (size_t i = 0; i < columns_.size(); ++i) {
    const TableColumn& column = columns_[i];
    data item;
    item.set("label", column.label);
    if (column.numeric) item.set("numeric", true);
    bool sorted = static_cast<int>(i) == sort_column;
    item.set("aria_sort", !sorted      ? "none"
                          : descending ? "descending"
                                       : "ascending");
    if (column.sortable) {
      item.set("sortable", true);
      // A sorted column's link reverses it; another's sorts it ascending
      // (numbers: descending, the largest first). Either goes to page 1.
      bool next_desc = sorted ? !descending : column.numeric;
      item.set("href", UrlWith(path, params,
                               {{sort_name, column.key},
                                {dir_name, next_desc ? "desc" : "asc"},
                                {page_name, ""}}));
    }
    columns.push_back(item);
  }
  out.set("columns", columns);

  const int first = (page - 1) * options_.page_size;
  const int last = std::min(total, first + options_.page_size);
  data rows(data::type::list);
  for (int i = first; i < last; ++i) rows.push_back(rows_[order[i]].cells);
  out.set("rows", rows);
  out.set("has_rows", total > 0);
  out.set("total", absl::StrCat(total));
  out.set("from", absl::StrCat(total == 0 ? 0 : first + 1));
  out.set("to", absl::StrCat(last));
  out.set("showing", total == 0 ? std::string("None")
                                : absl::StrCat("Showing ", first + 1, " to ",
                                               last, " of ", total));

  data pagination;
  if (pages > 1) {
    pagination.set("has_pages", true);
    auto href = [&](int p) {
      return UrlWith(path, params,
                     {{page_name, p == 1 ? "" : absl::StrCat(p)}});
    };
    if (page > 1) pagination.set("previous_href", href(page - 1));
    if (page < pages) pagination.set("next_href", href(page + 1));
    data items(data::type::list);
    bool gap = false;
    for (int p = 1; p <= pages; ++p) {
      // The first, the last, and two either side of the current page.
      if (p != 1 && p != pages && std::abs(p - page) > 2) {
        if (!gap) {
          data ellipsis;
          ellipsis.set("ellipsis", true);
          items.push_back(ellipsis);
        }
        gap = true;
        continue;
      }
      gap = false;
      data item;
      item.set("number", absl::StrCat(p));
      item.set("href", href(p));
      if (p == page) item.set("current", true);
      items.push_back(item);
    }
    pagination.set("items", items);
  }
  out.set("pagination", pagination);
  return out;
}

}  // namespace raa::web
