// The registrar's pages of raa-web (docs/web.md, "Registrar pages"): the
// member's child profiles and households (sortable, paged, filtered by
// status), the forms that register, change and withdraw them, and the upload
// of a CSV or JSON file of either with its per-row report.
//
// The forms are the CSV's columns (common/record_fields.h): every field is a
// column of `raa import`, read by the same parser (clients/lib/profile_text.h
// ChildFromText / AdopterFromText), so the form, the file and `raa child
// create` accept the same values. A refusal (the parser's or the API's
// BadRequest) is shown beside its field, in the API's words, and in a GOV.UK
// error summary linking to the field; the API's field paths
// ("child.members[1].sex") become the form's field ids ("sex") through
// ColumnOfField, as `raa import` turns them into columns.
//
// The API decides who may write: a registrar of the record's own member.
// The change and withdraw forms of another member's record are a 403 page
// before any form is shown (RequireRegistrarOf); raamatchd refuses the write
// as well.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "clients/lib/import_file.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "clients/web/finder_views.h"
#include "clients/web/page_helpers.h"
#include "clients/web/registry_forms.h"
#include "clients/web/tables.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/record_fields.h"
#include "google/protobuf/util/field_mask_util.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;
using Registry = v1::RegistryService::Stub;

// Rows per BatchCreate call of an upload (as `raa import`).
constexpr int kBatchSize = 500;

// "authorities/sheffield/children/c3" -> "sheffield".
std::string AuthorityIdOf(const std::string& name) {
  std::string rest(absl::StripPrefix(name, "authorities/"));
  return rest.substr(0, rest.find('/'));
}

// "white_british" -> "white british": an enum label as an option's text.
std::string Words(const std::string& label) {
  return absl::StrReplaceAll(label, {{"_", " "}});
}

// ---- the two kinds of record ----

// Child profiles.
struct ChildKind {
  using Record = v1::Child;
  using CreateRequest = v1::CreateChildRequest;
  using UpdateRequest = v1::UpdateChildRequest;
  using WithdrawRequest = v1::WithdrawChildRequest;
  static constexpr auto kCreate = &Registry::CreateChild;
  static constexpr auto kGet = &Registry::GetChild;
  static constexpr auto kUpdate = &Registry::UpdateChild;
  static constexpr auto kWithdraw = &Registry::WithdrawChild;
  static Record* Of(CreateRequest& r) { return r.mutable_child(); }
  static Record* Of(UpdateRequest& r) { return r.mutable_child(); }
  static v1::GetChildRequest Get(const std::string& name) {
    v1::GetChildRequest get;
    get.set_name(name);
    return get;
  }
  static const RecordFields& Fields() { return ChildFields(); }
  static absl::StatusOr<std::vector<std::string>> FromText(
      const TextFields& fields, Record& record) {
    return ChildFromText(fields, record);
  }
  static TextFields ToText(const Record& record) { return ChildToText(record); }
  static const google::protobuf::EnumDescriptor* StatusType() {
    return v1::ChildStatus_descriptor();
  }
  static bool Withdrawn(const Record& r) {
    return r.status() == v1::CHILD_STATUS_WITHDRAWN;
  }
  // The record's links, and the record at the other end of each.
  static void LinksOf(const std::string& name, v1::ListLinksRequest& r) {
    r.set_child(name);
  }
  static const std::string& OtherEnd(const v1::Link& l) { return l.adopter(); }
  static constexpr char kCloseWith[] = "the reason it ended";
  static constexpr char kCollection[] = "children";  // in resource names
  static constexpr char kUrl[] = "children";         // /children/{a}/{id}
  static constexpr char kListPath[] = "/registry/children";
  static constexpr char kNoun[] = "child profile";
  static constexpr char kNouns[] = "child profiles";
  static constexpr char kListTitle[] = "Your child profiles";
  static constexpr char kRegisterTitle[] = "Register a child or sibling group";
  static constexpr char kRegisterButton[] = "Register the profile";
  // Where a record is shown after a change: the child page.
  static std::string PageOf(const std::string& name) {
    return absl::StrCat("/children/", AuthorityIdOf(name), "/", LastPart(name));
  }
  // How many children the form's ages name (for "child 2: ..." prefixes).
  static size_t GroupOf(const TextFields& values) {
    auto it = values.find("age_months");
    if (it == values.end()) return 1;
    return static_cast<size_t>(
        std::count(it->second.begin(), it->second.end(), ';') + 1);
  }
};

// Adopter households ("households" in the console's words and URLs).
struct HouseholdKind {
  using Record = v1::Adopter;
  using CreateRequest = v1::CreateAdopterRequest;
  using UpdateRequest = v1::UpdateAdopterRequest;
  using WithdrawRequest = v1::WithdrawAdopterRequest;
  static constexpr auto kCreate = &Registry::CreateAdopter;
  static constexpr auto kGet = &Registry::GetAdopter;
  static constexpr auto kUpdate = &Registry::UpdateAdopter;
  static constexpr auto kWithdraw = &Registry::WithdrawAdopter;
  static Record* Of(CreateRequest& r) { return r.mutable_adopter(); }
  static Record* Of(UpdateRequest& r) { return r.mutable_adopter(); }
  static v1::GetAdopterRequest Get(const std::string& name) {
    v1::GetAdopterRequest get;
    get.set_name(name);
    return get;
  }
  static const RecordFields& Fields() { return AdopterFields(); }
  static absl::StatusOr<std::vector<std::string>> FromText(
      const TextFields& fields, Record& record) {
    return AdopterFromText(fields, record);
  }
  static TextFields ToText(const Record& record) {
    return AdopterToText(record);
  }
  static const google::protobuf::EnumDescriptor* StatusType() {
    return v1::AdopterStatus_descriptor();
  }
  static bool Withdrawn(const Record& r) {
    return r.status() == v1::ADOPTER_STATUS_WITHDRAWN;
  }
  static void LinksOf(const std::string& name, v1::ListLinksRequest& r) {
    r.set_adopter(name);
  }
  static const std::string& OtherEnd(const v1::Link& l) { return l.child(); }
  static constexpr char kCloseWith[] = "\"household withdrew\"";
  static constexpr char kCollection[] = "adopters";
  static constexpr char kUrl[] = "households";  // /households/{a}/{id}
  static constexpr char kListPath[] = "/registry/households";
  static constexpr char kNoun[] = "household";
  static constexpr char kNouns[] = "households";
  static constexpr char kListTitle[] = "Your households";
  static constexpr char kRegisterTitle[] = "Register an adopter household";
  static constexpr char kRegisterButton[] = "Register the household";
  // The household page is the family finder's (/households/{a}/{h}); after
  // a change the registrar goes back to the list.
  static std::string PageOf(const std::string&) { return kListPath; }
  static size_t GroupOf(const TextFields&) { return 1; }
};

// The record `req` names (/children/{a}/{id}/...): its resource name.
template <typename Kind>
std::string NameFromPath(const httplib::Request& req) {
  return absl::StrCat("authorities/", req.matches[1].str(), "/",
                      Kind::kCollection, "/", req.matches[2].str());
}

template <typename Kind>
std::string EditPath(const std::string& name) {
  return absl::StrCat("/", Kind::kUrl, "/", AuthorityIdOf(name), "/",
                      LastPart(name), "/edit");
}

template <typename Kind>
std::string WithdrawPath(const std::string& name) {
  return absl::StrCat("/", Kind::kUrl, "/", AuthorityIdOf(name), "/",
                      LastPart(name), "/withdraw");
}

// ---- the form: one field per column ----

// A field the form has beside the record's columns (the reason a
// household's status changes).
struct ExtraField {
  std::string id;
  std::string label;
  std::string hint;
  std::string after;  // the column it follows
};

// The form's errors: `beside` by field id, and the summary (each item
// linking to its field).
struct FormErrors {
  std::map<std::string, std::string> beside;
  data summary = List();
  bool empty() const { return beside.empty() && summary.is_empty_list(); }
};

// Places each violation on the form's field: the column its path names
// (ColumnOfField: "child.members[1].sex" -> "sex", "child.journey" ->
// "entered_care"), one of `extra` ids, or else the first field. A group's
// child is named ("child 2: ") when the group has more than one.
FormErrors PlaceViolations(const std::vector<FieldViolation>& violations,
                           const RecordFields& fields,
                           const std::vector<std::string>& extra,
                           size_t group) {
  FormErrors errors;
  std::string first(fields.fields().front().column);
  // The summary lists the problems in the order of the form's fields (as
  // GOV.UK's error summary does), one not about a field first.
  std::vector<std::string> order;
  for (const RecordField& f : fields.fields()) order.emplace_back(f.column);
  order.insert(order.end(), extra.begin(), extra.end());
  auto position = [&](const std::string& id) {
    if (id.empty()) return -1;
    auto it = std::find(order.begin(), order.end(), id);
    return static_cast<int>(it - order.begin());
  };
  std::vector<std::pair<int, data>> summary;
  for (const FieldViolation& v : violations) {
    PlacedViolation placed = PlaceViolation(v, fields, extra, group);
    const std::string& id = placed.field_id;
    if (!id.empty()) {
      std::string& beside = errors.beside[id];
      absl::StrAppend(&beside, beside.empty() ? "" : "; ", placed.text);
    }
    data item;
    item.set("href", absl::StrCat("#", id.empty() ? first : id));
    item.set("text", id.empty()
                         ? absl::StrCat(v.field, ": ", placed.text)
                         : absl::StrCat(FormLabelOf(id), ": ", placed.text));
    summary.emplace_back(position(id), std::move(item));
  }
  std::stable_sort(
      summary.begin(), summary.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [unused, item] : summary)
    errors.summary.push_back(std::move(item));
  return errors;
}

// The fields of a register or change form, as the template shows them.
data FormFieldsData(const RecordFields& fields, const TextFields& values,
                    const FormErrors& errors, bool registering,
                    const std::vector<ExtraField>& extra) {
  const google::protobuf::Descriptor* message = MessageOf(fields);
  auto value_of = [&](const std::string& id) {
    auto it = values.find(id);
    return it == values.end() ? std::string() : it->second;
  };
  auto with_error = [&](data& item, const std::string& id) {
    auto it = errors.beside.find(id);
    if (it != errors.beside.end()) item.set("field_error", it->second);
  };
  data list = List();
  for (const RecordField& f : fields.fields()) {
    const std::string id(f.column);
    const std::string value = value_of(id);
    data item;
    item.set("id", id);
    item.set("label",
             absl::StrCat(FormLabelOf(id),
                          registering && !f.required ? " (optional)" : ""));
    with_error(item, id);
    const FormInput input = InputOf(fields, f);
    if (input == FormInput::kChoice) {
      const google::protobuf::EnumDescriptor* type =
          FieldAt(message, f.proto_path)->enum_type();
      absl::StatusOr<int> chosen = ParseEnum(type, value);
      data options = List();
      data none;
      none.set("value", "");
      none.set("text", f.required ? "Choose one" : "Not given");
      if (!chosen.ok()) none.set("selected", true);
      options.push_back(none);
      for (int i = 0; i < type->value_count(); ++i) {
        int number = type->value(i)->number();
        if (number == 0) continue;
        data option;
        std::string label = EnumLabel(type, number);
        option.set("value", label);
        option.set("text", Words(label));
        if (chosen.ok() && *chosen == number) option.set("selected", true);
        options.push_back(option);
      }
      item.set("select", true);
      item.set("options", options);
      std::string help(absl::StripSuffix(f.help, ":"));
      if (!help.empty()) item.set("hint", help);
    } else if (input == FormInput::kYesNo) {
      data options = List();
      for (bool yes : {false, true}) {
        data option;
        option.set("value", yes ? "true" : "false");
        option.set("text", yes ? "Yes" : "No");
        if ((FormValueOf(fields, f, value) == "true") == yes) {
          option.set("selected", true);
        }
        options.push_back(option);
      }
      item.set("select", true);
      item.set("options", options);
    } else {
      item.set(input == FormInput::kTextArea ? "textarea" : "text", true);
      item.set("value", value);
      item.set("hint", ColumnHelp(fields, f));
      std::string width = InputWidthOf(fields, f);
      if (!width.empty()) item.set("width", width);
    }
    list.push_back(item);
    for (const ExtraField& e : extra) {
      if (e.after != id) continue;
      data more;
      more.set("id", e.id);
      more.set("label", e.label);
      more.set("hint", e.hint);
      more.set("text", true);
      more.set("value", value_of(e.id));
      with_error(more, e.id);
      list.push_back(more);
    }
  }
  return list;
}

// The form's values, by column (and the extra fields' ids), as posted.
TextFields PostedValues(const httplib::Request& req, const RecordFields& fields,
                        const std::vector<ExtraField>& extra) {
  TextFields values;
  for (const RecordField& f : fields.fields()) {
    values[std::string(f.column)] = Param(req, std::string(f.column));
  }
  for (const ExtraField& e : extra) values[e.id] = Param(req, e.id);
  return values;
}

// The extra fields of a change form: a household's status changes with a
// reason (UpdateAdopterRequest.status_reason).
template <typename Kind>
std::vector<ExtraField> ExtraFields(bool registering) {
  if (registering || &Kind::Fields() != &AdopterFields()) return {};
  return {{.id = "status_reason",
           .label = "Why the status changes (only if you change it)",
           .hint = "1 to 500 characters, with no names or dates",
           .after = "status"}};
}

// Keeps only the fields an update names (and the name), so a form sent
// twice is the same request even after the first took effect (as `raa
// child update`).
template <typename Kind>
void KeepOnlyChanges(typename Kind::UpdateRequest& request) {
  typename Kind::Record changes;
  changes.set_name(Kind::Of(request)->name());
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(
      *Kind::Of(request), request.update_mask(),
      google::protobuf::util::FieldMaskUtil::MergeOptions(), &changes);
  *Kind::Of(request) = std::move(changes);
}

// ---- the lists ----

// A status filter from the URL (?status=waiting): 0 for none; nullopt if
// it is not one of the statuses.
std::optional<int> StatusFilter(const httplib::Request& req,
                                const google::protobuf::EnumDescriptor* type) {
  std::string text = Param(req, "status");
  if (text.empty()) return 0;
  absl::StatusOr<int> value = ParseEnum(type, text);
  if (!value.ok()) return std::nullopt;
  return *value;
}

data StatusOptions(const google::protobuf::EnumDescriptor* type, int chosen) {
  data options = List();
  data all;
  all.set("value", "");
  all.set("text", "Every status");
  if (chosen == 0) all.set("selected", true);
  options.push_back(all);
  for (int i = 0; i < type->value_count(); ++i) {
    int number = type->value(i)->number();
    if (number == 0) continue;
    data option;
    option.set("value", EnumLabel(type, number));
    option.set("text", EnumValueWords(type, number));
    if (number == chosen) option.set("selected", true);
    options.push_back(option);
  }
  return options;
}

// The actions of a list row: change and withdraw, for a registrar of the
// record's member while it is not withdrawn.
template <typename Kind>
void AddActions(data& row, const typename Kind::Record& record,
                bool can_write) {
  if (!can_write || Kind::Withdrawn(record)) return;
  row.set("edit_href", EditPath<Kind>(record.name()));
  row.set("withdraw_href", WithdrawPath<Kind>(record.name()));
}

// The violations of `parsed` (the form's cells that did not read, each
// named by its column), then those of `api` (the API's check of the rest)
// in columns `parsed` does not name.
absl::Status WithApiViolations(const absl::Status& parsed,
                               const absl::Status& api) {
  std::set<std::string> columns;
  FieldErrors errors;
  std::string whose;
  for (const FieldViolation& v : ViolationsOf(parsed)) {
    columns.insert(ColumnOfField(v.field, whose));
    errors.Add(v.field, v.description);
  }
  for (const FieldViolation& v : ViolationsOf(api)) {
    if (!columns.contains(ColumnOfField(v.field, whose))) {
      errors.Add(v.field, v.description);
    }
  }
  absl::Status merged = errors.ToStatus();
  return merged.ok() ? parsed : merged;
}

// ---- uploads ----

// What became of one row of an uploaded file.
struct UploadRow {
  int line = 0;
  int element = 0;  // a .json array's row: its place in it, from 1
  enum Outcome {
    kNotSent,
    kStored,
    kAlreadyStored,
    kRejected
  } outcome = kNotSent;
  std::string record;                 // the record stored or found
  std::vector<std::string> problems;  // "column sex: ..." each
};

const char* OutcomeWords(UploadRow::Outcome outcome) {
  switch (outcome) {
    case UploadRow::kStored:
      return "stored";
    case UploadRow::kAlreadyStored:
      return "already stored";
    case UploadRow::kRejected:
      return "not stored";
    case UploadRow::kNotSent:
      break;
  }
  return "not sent";
}

// A problem in the file's words: its column, and which child of a group.
std::string ProblemText(const std::string& field,
                        const std::string& description, size_t group) {
  std::string whose;
  std::string column = ColumnOfField(field, whose);
  if (!whose.empty() && group > 1) {
    return absl::StrCat("column ", column, ": ", whose, ": ", description);
  }
  return column.empty() ? description
                        : absl::StrCat("column ", column, ": ", description);
}

// How many children a record names: a profile's group, one for a
// household.
size_t GroupSize(const v1::Child& child) { return child.members_size(); }
size_t GroupSize(const v1::Adopter&) { return 1; }

// "requests[12].child.summary" -> 12 and "child.summary".
bool SplitBatchField(const std::string& field, int& index, std::string& rest) {
  if (!absl::StartsWith(field, "requests[")) return false;
  size_t close = field.find(']');
  if (close == std::string::npos ||
      !absl::SimpleAtoi(field.substr(9, close - 9), &index)) {
    return false;
  }
  rest = close + 2 <= field.size() ? field.substr(close + 2) : "";
  return true;
}

// Parses every row and sends the good ones in batches; each row's outcome.
// A failure not about rows (the server unreachable, the key refused) is
// returned and stops the upload; rows not reached stay "not sent".
template <typename Record, typename BatchRequest, typename BatchResponse,
          typename CreateRequest>
absl::Status ImportRows(
    RaaClient& client, const std::string& parent, const ImportFile& file,
    absl::StatusOr<std::vector<std::string>> (*from_text)(const TextFields&,
                                                          Record&),
    grpc::Status (Registry::*method)(grpc::ClientContext*, const BatchRequest&,
                                     BatchResponse*),
    Record* (CreateRequest::*mutable_record)(),
    const google::protobuf::RepeatedPtrField<Record>& (BatchResponse::*stored)()
        const,
    std::vector<UploadRow>& rows) {
  rows.assign(file.rows.size(), UploadRow{});
  std::vector<size_t> to_send;
  std::vector<Record> parsed(file.rows.size());
  for (size_t i = 0; i < file.rows.size(); ++i) {
    const ImportRow& in = file.rows[i];
    UploadRow& row = rows[i];
    row.line = in.line;
    row.element = in.element;
    if (!in.problem.empty()) row.problems.push_back(in.problem);
    absl::Status s;
    if (!in.json.empty()) {
      s = FromUserJson(in.json, parsed[i]);
      if (!s.ok()) {
        row.problems.push_back(absl::StrCat("is not a profile in JSON: ",
                                            std::string(s.message())));
      }
    } else {
      s = from_text(in.fields, parsed[i]).status();
      std::vector<FieldViolation> violations = ViolationsOf(s);
      if (!s.ok() && violations.empty()) {
        row.problems.push_back(std::string(s.message()));
      }
      for (const FieldViolation& v : violations) {
        row.problems.push_back(ProblemText(v.field, v.description, 1));
      }
    }
    if (row.problems.empty()) {
      to_send.push_back(i);
    } else {
      row.outcome = UploadRow::kRejected;
    }
  }
  for (size_t start = 0; start < to_send.size(); start += kBatchSize) {
    size_t end = std::min(to_send.size(), start + kBatchSize);
    BatchRequest request;
    request.set_parent(parent);
    for (size_t i = start; i < end; ++i) {
      CreateRequest* one = request.add_requests();
      one->set_parent(parent);
      *(one->*mutable_record)() = parsed[to_send[i]];
      one->set_request_id(UploadRowRequestId(*one));
    }
    request.set_request_id(NewRequestId());
    absl::StatusOr<BatchResponse> response = client.Call(method, request);
    std::set<int> failed;
    auto fail = [&](int index, const std::string& field,
                    const std::string& description) {
      if (index < 0 || start + index >= end) return;
      UploadRow& row = rows[to_send[start + index]];
      row.outcome = UploadRow::kRejected;
      row.problems.push_back(ProblemText(
          field, description, GroupSize(parsed[to_send[start + index]])));
      failed.insert(index);
    };
    if (!response.ok()) {
      std::vector<FieldViolation> violations = ViolationsOf(response.status());
      if (violations.empty()) return response.status();
      for (const FieldViolation& v : violations) {
        int index = 0;
        std::string rest;
        if (SplitBatchField(v.field, index, rest)) {
          fail(index, rest, v.description);
        }
      }
      continue;
    }
    for (const v1::BatchFailure& f : response->failures()) {
      int index = 0;
      std::string rest;
      fail(f.index(),
           SplitBatchField(f.field(), index, rest) ? rest : f.field(),
           f.description());
    }
    std::set<int> already(response->already_stored().begin(),
                          response->already_stored().end());
    const auto& records = ((*response).*stored)();
    int next = 0;
    for (size_t i = start; i < end; ++i) {
      int index = static_cast<int>(i - start);
      if (failed.contains(index)) continue;
      UploadRow& row = rows[to_send[i]];
      row.outcome = already.contains(index) ? UploadRow::kAlreadyStored
                                            : UploadRow::kStored;
      if (next < records.size()) row.record = records[next++].name();
    }
  }
  return absl::OkStatus();
}

// The columns of each record, for the upload page's guide.
data ColumnsGuide(const RecordFields& fields) {
  data list = List();
  for (const RecordField& f : fields.fields()) {
    data item;
    item.set("column", std::string(f.column));
    item.set("help", ColumnHelp(fields, f));
    if (f.required) item.set("required", true);
    list.push_back(item);
  }
  return list;
}

void SetUploadGuide(data& d) {
  d.set("child_columns", ColumnsGuide(ChildFields()));
  d.set("household_columns", ColumnsGuide(AdopterFields()));
}

}  // namespace

void WebApp::InstallRegistrarPages(httplib::Server& server) {
  constexpr char kRecord[] = "/([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)";
  server.Get("/registry/children", Bind(&WebApp::GetRegistryList<ChildKind>));
  server.Get("/registry/households",
             Bind(&WebApp::GetRegistryList<HouseholdKind>));
  server.Get("/registry/children/new",
             Bind(&WebApp::GetRegistryNew<ChildKind>));
  server.Post("/registry/children/new",
              Bind(&WebApp::PostRegistryNew<ChildKind>));
  server.Get("/registry/households/new",
             Bind(&WebApp::GetRegistryNew<HouseholdKind>));
  server.Post("/registry/households/new",
              Bind(&WebApp::PostRegistryNew<HouseholdKind>));
  for (const char* url : {"children", "households"}) {
    bool child = std::string(url) == "children";
    std::string base = absl::StrCat("/", url, kRecord);
    server.Get(base + "/edit",
               Bind(child ? &WebApp::GetRegistryEdit<ChildKind>
                          : &WebApp::GetRegistryEdit<HouseholdKind>));
    server.Post(base + "/edit",
                Bind(child ? &WebApp::PostRegistryEdit<ChildKind>
                           : &WebApp::PostRegistryEdit<HouseholdKind>));
    server.Get(base + "/withdraw",
               Bind(child ? &WebApp::GetRegistryWithdraw<ChildKind>
                          : &WebApp::GetRegistryWithdraw<HouseholdKind>));
    server.Post(base + "/withdraw",
                Bind(child ? &WebApp::PostRegistryWithdraw<ChildKind>
                           : &WebApp::PostRegistryWithdraw<HouseholdKind>));
  }
  server.Get("/registry/upload", Bind(&WebApp::GetRegistryUpload));
  server.Post("/registry/upload", Bind(&WebApp::PostRegistryUpload));
}

bool WebApp::RequireRegistrarOf(httplib::Response& res,
                                const SignedIn& signed_in,
                                const std::string& authority,
                                const std::string& what) {
  const Session& session = signed_in.session;
  const std::string own = AuthorityIdOf(session.authority);
  if (HasRole(session, v1::ROLE_REGISTRAR) && authority == own) return true;
  std::string who = session.authority_display_name.empty()
                        ? own
                        : session.authority_display_name;
  ErrorPage(res, 403, "You cannot change this record",
            authority == own
                ? absl::StrCat("Only a registrar's key may ", what,
                               ". Your key is not a registrar's: ask your "
                               "consortium manager for one.")
                : absl::StrCat("This record belongs to ", authority,
                               ": only its own registrars may ", what,
                               " of theirs. You are signed in for ", who,
                               ", and the matching service refuses the "
                               "change as well."),
            &signed_in);
  return false;
}

// ---- lists ----

template <typename Kind>
void WebApp::GetRegistryList(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const Session& session = signed_in->session;
  std::optional<int> status = StatusFilter(req, Kind::StatusType());
  if (!status.has_value()) {
    ErrorPage(res, 400, "That status is not one of the statuses",
              absl::StrCat("Choose one of: ", EnumChoices(Kind::StatusType())),
              &*signed_in);
    return;
  }
  const bool can_write = HasRole(session, v1::ROLE_REGISTRAR);
  const absl::CivilDay today = SystemClock().Today();
  constexpr bool kChildren = std::is_same_v<Kind, ChildKind>;
  std::vector<TableColumn> columns;
  if constexpr (kChildren) {
    columns = {{.key = "id", .label = "Profile"},
               {.key = "status", .label = "Status"},
               {.key = "group", .label = "Children", .numeric = true},
               {.key = "ages", .label = "Ages today"},
               {.key = "days", .label = "Days waited", .numeric = true},
               {.key = "region", .label = "Region"},
               {.key = "updated", .label = "Last changed"},
               {.key = "actions", .label = "Actions", .sortable = false}};
  } else {
    columns = {{.key = "id", .label = "Household"},
               {.key = "status", .label = "Status"},
               {.key = "for", .label = "Approved for", .numeric = true},
               {.key = "ages", .label = "Ages considered"},
               {.key = "region", .label = "Region"},
               {.key = "approved", .label = "Approved on"},
               {.key = "updated", .label = "Last changed"},
               {.key = "actions", .label = "Actions", .sortable = false}};
  }
  Table table(columns, {.default_sort = "updated", .default_descending = true});
  auto updated = [](const google::protobuf::Timestamp& t) {
    return t.seconds() == 0
               ? std::string()
               : absl::FormatTime("%Y-%m-%d %H:%M",
                                  absl::FromUnixSeconds(t.seconds()),
                                  absl::UTCTimeZone());
  };
  // Every page of the member's records: the table sorts and pages them.
  std::string token;
  do {
    if constexpr (kChildren) {
      v1::ListChildrenRequest request;
      request.set_parent(session.authority);
      request.set_status(static_cast<v1::ChildStatus>(*status));
      request.set_page_size(1000);
      request.set_page_token(token);
      absl::StatusOr<v1::ListChildrenResponse> page =
          session.client->Call(&Registry::ListChildren, request);
      if (!page.ok()) {
        ApiErrorPage(res, page.status(), &*signed_in);
        return;
      }
      for (const v1::Child& c : page->children()) {
        data row;
        std::string id = LastPart(c.name());
        row.set("id", id);
        row.set("href", ChildKind::PageOf(c.name()));
        row.set("status",
                EnumValueWords(v1::ChildStatus_descriptor(), c.status()));
        row.set("group", absl::StrCat(c.members_size()));
        row.set("ages", AgesText(c));
        std::optional<int> days = DaysWaited(c, today);
        row.set("days", days.has_value() ? absl::StrCat(*days) : "not yet");
        row.set("region", c.region());
        row.set("updated", updated(c.update_time()));
        AddActions<ChildKind>(row, c, can_write);
        int youngest = 216;
        for (const v1::ChildMember& m : c.members()) {
          youngest = std::min(youngest, m.age_months_today());
        }
        table.AddRow(
            row,
            {SortKey(id), SortKey(row.get("status")->string_value()),
             SortKey(int64_t{c.members_size()}), SortKey(int64_t{youngest}),
             days.has_value() ? SortKey(int64_t{*days}) : SortKey(),
             SortKey(c.region()), SortKey(int64_t{c.update_time().seconds()})});
      }
      token = page->next_page_token();
    } else {
      v1::ListAdoptersRequest request;
      request.set_parent(session.authority);
      request.set_status(static_cast<v1::AdopterStatus>(*status));
      request.set_page_size(1000);
      request.set_page_token(token);
      absl::StatusOr<v1::ListAdoptersResponse> page =
          session.client->Call(&Registry::ListAdopters, request);
      if (!page.ok()) {
        ApiErrorPage(res, page.status(), &*signed_in);
        return;
      }
      for (const v1::Adopter& a : page->adopters()) {
        data row;
        std::string id = LastPart(a.name());
        row.set("id", id);
        row.set("href",
                absl::StrCat("/households/", AuthorityIdOf(a.name()), "/", id));
        row.set("status",
                EnumValueWords(v1::AdopterStatus_descriptor(), a.status()));
        row.set("for", absl::StrCat(a.approved_for()));
        row.set("ages", absl::StrCat(AgeText(a.min_age_months()), " to ",
                                     AgeText(a.max_age_months())));
        row.set("region", a.region());
        std::string approved =
            a.has_approved_on() ? FormatDate(a.approved_on()) : "";
        row.set("approved", approved);
        row.set("updated", updated(a.update_time()));
        AddActions<HouseholdKind>(row, a, can_write);
        table.AddRow(row,
                     {SortKey(id), SortKey(row.get("status")->string_value()),
                      SortKey(int64_t{a.approved_for()}),
                      SortKey(int64_t{a.min_age_months()}), SortKey(a.region()),
                      approved.empty() ? SortKey() : SortKey(approved),
                      SortKey(int64_t{a.update_time().seconds()})});
      }
      token = page->next_page_token();
    }
  } while (!token.empty() && table.size() < kMaxListed);

  data d = LayoutData(Kind::kListTitle, &*signed_in);
  d.set("heading", Kind::kListTitle);
  d.set("list_path", Kind::kListPath);
  d.set("is_children", kChildren);
  d.set("statuses", StatusOptions(Kind::StatusType(), *status));
  d.set("count", absl::StrCat(table.size(), " ",
                              table.size() == 1 ? Kind::kNoun : Kind::kNouns,
                              *status == 0 ? "" : " with this status"));
  if (can_write) {
    d.set("can_write", true);
    d.set("new_href", absl::StrCat(Kind::kListPath, "/new"));
    d.set("new_text", Kind::kRegisterTitle);
  }
  d.set("table", table.Render(req.params, Kind::kListPath));
  d.set("has_rows", table.size() > 0);
  RenderPage(res, 200, "registrar_list", d);
}

// ---- register and change ----

template <typename Kind>
void WebApp::RenderRecordForm(httplib::Response& res, const SignedIn& signed_in,
                              int status,
                              const std::map<std::string, std::string>& values,
                              const std::string& name,
                              const absl::Status& error) {
  const bool registering = name.empty();
  const std::vector<ExtraField> extra = ExtraFields<Kind>(registering);
  std::vector<std::string> extra_ids;
  for (const ExtraField& e : extra) extra_ids.push_back(e.id);
  FormErrors errors;
  if (!error.ok()) {
    std::vector<FieldViolation> violations = ViolationsOf(error);
    if (violations.empty()) {
      // A refusal not about one field (FAILED_PRECONDITION, ...): the API's
      // message, on the first field.
      violations.push_back({"", UserMessageOf(error)});
    }
    errors = PlaceViolations(violations, Kind::Fields(), extra_ids,
                             Kind::GroupOf(values));
  }
  std::string title =
      registering ? std::string(Kind::kRegisterTitle)
                  : absl::StrCat("Change ", Kind::kNoun, " ", LastPart(name));
  data d = LayoutData(title, &signed_in);
  d.set("heading", title);
  d.set("caption", registering
                       ? std::string(signed_in.session.authority_display_name)
                       : name);
  d.set("action", registering ? absl::StrCat(Kind::kListPath, "/new")
                              : EditPath<Kind>(name));
  d.set("button", registering ? std::string(Kind::kRegisterButton)
                              : std::string("Save the changes"));
  d.set("back_href",
        registering ? std::string(Kind::kListPath) : Kind::PageOf(name));
  if (registering) d.set("registering", true);
  // A fresh id each time the form is shown: sending the same form twice
  // registers once (the API is idempotent by request_id).
  d.set("request_id", NewRequestId());
  d.set("fields",
        FormFieldsData(Kind::Fields(), values, errors, registering, extra));
  if (!errors.empty()) {
    d.set("has_errors", true);
    d.set("errors", errors.summary);
    d.set("error_title", true);
  }
  RenderPage(res, status, "registrar_form", d);
}

template <typename Kind>
void WebApp::GetRegistryNew(const httplib::Request& req,
                            httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!RequireRegistrarOf(res, *signed_in,
                          AuthorityIdOf(signed_in->session.authority),
                          absl::StrCat("register ", Kind::kNouns))) {
    return;
  }
  if (!RequireLiveKey(res, *signed_in)) return;
  TextFields values;
  if constexpr (std::is_same_v<Kind, ChildKind>) {
    values["ages_as_of"] = FormatDate(ToDate(SystemClock().Today()));
  }
  RenderRecordForm<Kind>(res, *signed_in, 200, values, "", absl::OkStatus());
}

template <typename Kind>
void WebApp::PostRegistryNew(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const Session& session = signed_in->session;
  if (!RequireRegistrarOf(res, *signed_in, AuthorityIdOf(session.authority),
                          absl::StrCat("register ", Kind::kNouns))) {
    return;
  }
  TextFields values = PostedValues(req, Kind::Fields(), {});
  typename Kind::CreateRequest request;
  request.set_parent(session.authority);
  request.set_request_id(RequestIdOf(req));
  // Every column as typed, blank ones too: the same as a CSV row.
  absl::Status status = Kind::FromText(values, *Kind::Of(request)).status();
  if (!status.ok() && HttpStatusOf(status) == 400) {
    // Told at once: what the API refuses in the cells that did read, beside
    // the cells that did not (whose own refusals, of a cell left empty by
    // its mistake, are dropped). Nothing is stored: validate_only.
    typename Kind::CreateRequest check = request;
    check.clear_request_id();
    check.set_validate_only(true);
    absl::StatusOr<typename Kind::Record> checked =
        session.client->Call(Kind::kCreate, check);
    if (!checked.ok() && HttpStatusOf(checked.status()) == 400) {
      status = WithApiViolations(status, checked.status());
    }
  } else if (status.ok()) {
    auto created = session.client->Call(Kind::kCreate, request);
    if (created.ok()) {
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat(FormLabelOf(Kind::kNoun), " ", LastPart(created->name()),
                       " registered"));
      Redirect(res, Kind::PageOf(created->name()));
      return;
    }
    status = created.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  }
  if (HttpStatusOf(status) != 400 && HttpStatusOf(status) != 409) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderRecordForm<Kind>(res, *signed_in, HttpStatusOf(status), values, "",
                         status);
}

template <typename Kind>
void WebApp::GetRegistryEdit(const httplib::Request& req,
                             httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  const std::string name = NameFromPath<Kind>(req);
  if (!RequireRegistrarOf(res, *signed_in, req.matches[1].str(),
                          absl::StrCat("change ", Kind::kNouns))) {
    return;
  }
  auto record = signed_in->session.client->Call(Kind::kGet, Kind::Get(name));
  if (!record.ok()) {
    ApiErrorPage(res, record.status(), &*signed_in);
    return;
  }
  RenderRecordForm<Kind>(res, *signed_in, 200, Kind::ToText(*record), name,
                         absl::OkStatus());
}

template <typename Kind>
void WebApp::PostRegistryEdit(const httplib::Request& req,
                              httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const std::string name = NameFromPath<Kind>(req);
  if (!RequireRegistrarOf(res, *signed_in, req.matches[1].str(),
                          absl::StrCat("change ", Kind::kNouns))) {
    return;
  }
  RaaClient& client = *signed_in->session.client;
  auto stored = client.Call(Kind::kGet, Kind::Get(name));
  if (!stored.ok()) {
    ApiErrorPage(res, stored.status(), &*signed_in);
    return;
  }
  const std::vector<ExtraField> extra = ExtraFields<Kind>(false);
  TextFields values = PostedValues(req, Kind::Fields(), extra);
  // Only the columns that differ from the stored record change (as `raa
  // child update` with those columns).
  TextFields before = Kind::ToText(*stored);
  TextFields changed;
  for (const RecordField& f : Kind::Fields().fields()) {
    std::string column(f.column);
    auto was = before.find(column);
    std::string old = was == before.end() ? "" : was->second;
    if (FormValueOf(Kind::Fields(), f, values[column]) !=
        FormValueOf(Kind::Fields(), f, old)) {
      changed[column] = values[column];
    }
  }
  if (changed.empty()) {
    sessions_.SetFlash(
        signed_in->id,
        absl::StrCat("Nothing to save: ", Kind::kNoun, " ", LastPart(name),
                     " already had these values"));
    Redirect(res, Kind::PageOf(name));
    return;
  }
  typename Kind::UpdateRequest request;
  *Kind::Of(request) = *stored;
  request.set_request_id(RequestIdOf(req));
  absl::StatusOr<std::vector<std::string>> touched =
      Kind::FromText(changed, *Kind::Of(request));
  absl::Status status = touched.status();
  if (status.ok()) {
    for (const std::string& path : *touched) {
      request.mutable_update_mask()->add_paths(path);
    }
    if (absl::c_linear_search(*touched, "status")) {
      request.set_status_reason(values["status_reason"]);
    }
    KeepOnlyChanges<Kind>(request);
    auto updated = client.Call(Kind::kUpdate, request);
    if (updated.ok()) {
      std::vector<std::string> columns;
      for (const auto& [column, value] : changed) columns.push_back(column);
      sessions_.SetFlash(
          signed_in->id,
          absl::StrCat(FormLabelOf(Kind::kNoun), " ", LastPart(name),
                       " changed: ", absl::StrJoin(columns, ", ")));
      Redirect(res, Kind::PageOf(name));
      return;
    }
    status = updated.status();
    if (ResendPageIfUnknown(req, res, *signed_in, status,
                            request.request_id())) {
      return;
    }
  } else if (HttpStatusOf(status) == 400) {
    // Told at once, as on the register form: the API checks the changed
    // cells that did read (validate_only: nothing is stored), beside the
    // cells that did not.
    typename Kind::UpdateRequest check;
    *Kind::Of(check) = *stored;
    for (const auto& [column, value] : changed) {
      typename Kind::Record cell = *Kind::Of(check);
      absl::StatusOr<std::vector<std::string>> paths =
          Kind::FromText({{column, value}}, cell);
      if (!paths.ok()) continue;
      *Kind::Of(check) = std::move(cell);
      for (const std::string& path : *paths) {
        check.mutable_update_mask()->add_paths(path);
        if (path == "status") {
          check.set_status_reason(values["status_reason"]);
        }
      }
    }
    if (!check.update_mask().paths().empty()) {
      KeepOnlyChanges<Kind>(check);
      check.set_validate_only(true);
      absl::StatusOr<typename Kind::Record> checked =
          client.Call(Kind::kUpdate, check);
      if (!checked.ok() && HttpStatusOf(checked.status()) == 400) {
        status = WithApiViolations(status, checked.status());
      }
    }
  }
  if (HttpStatusOf(status) != 400 && HttpStatusOf(status) != 409) {
    ApiErrorPage(res, status, &*signed_in);
    return;
  }
  RenderRecordForm<Kind>(res, *signed_in, HttpStatusOf(status), values, name,
                         status);
}

// ---- withdraw ----

template <typename Kind>
void WebApp::RenderWithdrawPage(httplib::Response& res,
                                const SignedIn& signed_in, int status,
                                const std::string& name,
                                const std::string& reason,
                                const absl::Status& error) {
  auto record = signed_in.session.client->Call(Kind::kGet, Kind::Get(name));
  if (!record.ok()) {
    ApiErrorPage(res, record.status(), &signed_in);
    return;
  }
  std::string title =
      absl::StrCat("Withdraw ", Kind::kNoun, " ", LastPart(name), "?");
  data d = LayoutData(title, &signed_in);
  d.set("heading", title);
  d.set("name", name);
  d.set("noun", Kind::kNoun);
  d.set("action", WithdrawPath<Kind>(name));
  d.set("back_href", Kind::PageOf(name));
  d.set("reason", reason);
  d.set("request_id", NewRequestId());
  d.set("status",
        EnumValueWords(Kind::StatusType(), static_cast<int>(record->status())));
  if (Kind::Withdrawn(*record)) d.set("withdrawn", true);
  data facts = List();
  for (const auto& [column, value] : Kind::ToText(*record)) {
    if (value.empty()) continue;
    data fact;
    fact.set("key", FormLabelOf(column));
    fact.set("value", value == "true"    ? std::string("yes")
                      : value == "false" ? std::string("no")
                                         : value);
    facts.push_back(fact);
  }
  d.set("facts", facts);
  // A record with open links is not withdrawn (the API refuses it): the
  // page names them instead of the form. If they cannot be read, the form
  // stays and the API decides.
  bool lists_links = false;
  if (!Kind::Withdrawn(*record)) {
    v1::ListLinksRequest links;
    Kind::LinksOf(name, links);
    links.set_state(v1::LINK_STATE_OPEN);
    links.set_page_size(1000);
    auto open = signed_in.session.client->Call(
        &v1::JourneyService::Stub::ListLinks, links);
    if (open.ok() && open->links_size() > 0) {
      data rows = List();
      for (const v1::Link& l : open->links()) {
        data row;
        row.set("link", LinkIdOf(l.name()).value_or(l.name()));
        row.set("href", LinkPath(l.name()));
        row.set("other", LastPart(Kind::OtherEnd(l)));
        row.set("other_authority", AuthorityIdOf(Kind::OtherEnd(l)));
        row.set("step", StepLabel(l.step()));
        rows.push_back(row);
      }
      d.set("open_links", rows);
      d.set("has_open_links", true);
      lists_links = true;
      d.set("close_with", Kind::kCloseWith);
    }
  }
  if (!error.ok() && error.code() == absl::StatusCode::kFailedPrecondition) {
    // Not the reason's fault: the summary points at the links to close when
    // the page lists them (links to profiles hidden from the caller's member
    // are not listed: the API's words say who closes those).
    data errors = List();
    data item;
    if (lists_links) item.set("href", "#open-links");
    item.set("text", UserMessageOf(error));
    errors.push_back(item);
    d.set("has_errors", true);
    d.set("errors", errors);
    d.set("error_title", true);
  } else if (!error.ok()) {
    std::vector<FieldViolation> violations = ViolationsOf(error);
    std::string text =
        violations.empty()
            ? UserMessageOf(error)
            : absl::StrJoin(violations, "; ",
                            [](std::string* out, const FieldViolation& v) {
                              out->append(v.description);
                            });
    data errors = List();
    data item;
    item.set("href", "#reason");
    item.set("text", absl::StrCat("Reason: ", text));
    errors.push_back(item);
    d.set("reason_error", text);
    d.set("has_errors", true);
    d.set("errors", errors);
    d.set("error_title", true);
  }
  RenderPage(res, status, "registrar_withdraw", d);
}

template <typename Kind>
void WebApp::GetRegistryWithdraw(const httplib::Request& req,
                                 httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!RequireRegistrarOf(res, *signed_in, req.matches[1].str(),
                          absl::StrCat("withdraw ", Kind::kNouns))) {
    return;
  }
  RenderWithdrawPage<Kind>(res, *signed_in, 200, NameFromPath<Kind>(req), "",
                           absl::OkStatus());
}

template <typename Kind>
void WebApp::PostRegistryWithdraw(const httplib::Request& req,
                                  httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  if (!RequireRegistrarOf(res, *signed_in, req.matches[1].str(),
                          absl::StrCat("withdraw ", Kind::kNouns))) {
    return;
  }
  const std::string name = NameFromPath<Kind>(req);
  typename Kind::WithdrawRequest request;
  request.set_name(name);
  request.set_reason(Param(req, "reason"));
  request.set_request_id(RequestIdOf(req));
  auto withdrawn = signed_in->session.client->Call(Kind::kWithdraw, request);
  if (!withdrawn.ok()) {
    if (ResendPageIfUnknown(req, res, *signed_in, withdrawn.status(),
                            request.request_id())) {
      return;
    }
    int http = HttpStatusOf(withdrawn.status());
    if (http != 400 && http != 409) {
      ApiErrorPage(res, withdrawn.status(), &*signed_in);
      return;
    }
    RenderWithdrawPage<Kind>(res, *signed_in, http, name, Param(req, "reason"),
                             withdrawn.status());
    return;
  }
  sessions_.SetFlash(signed_in->id, absl::StrCat(FormLabelOf(Kind::kNoun), " ",
                                                 LastPart(name), " withdrawn"));
  Redirect(res, Kind::kListPath);
}

// ---- upload ----

void WebApp::GetRegistryUpload(const httplib::Request& req,
                               httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!RequireRegistrarOf(res, *signed_in,
                          AuthorityIdOf(signed_in->session.authority),
                          "upload child profiles or households")) {
    return;
  }
  if (!RequireLiveKey(res, *signed_in)) return;
  data d = LayoutData("Upload child profiles or households", &*signed_in);
  d.set("kind_children", Param(req, "kind") != "households");
  d.set("kind_households", Param(req, "kind") == "households");
  SetUploadGuide(d);
  RenderPage(res, 200, "registrar_upload", d);
}

void WebApp::PostRegistryUpload(const httplib::Request& req,
                                httplib::Response& res) {
  std::optional<SignedIn> signed_in = RequireSession(req, res);
  if (!signed_in.has_value()) return;
  if (!CheckCsrf(req, res, *signed_in)) return;
  const Session& session = signed_in->session;
  if (!RequireRegistrarOf(res, *signed_in, AuthorityIdOf(session.authority),
                          "upload child profiles or households")) {
    return;
  }
  auto part = [&req](const char* name) {
    return req.has_file(name) ? req.get_file_value(name).content
                              : std::string();
  };
  const bool households = part("kind") == "households";
  data d = LayoutData("Upload child profiles or households", &*signed_in);
  d.set("kind_children", !households);
  d.set("kind_households", households);
  SetUploadGuide(d);
  // Every problem with the file as a whole goes beside the file field.
  auto refuse = [&](const std::vector<std::string>& problems) {
    data errors = List();
    for (const std::string& p : problems) {
      data item;
      item.set("href", "#file");
      item.set("text", p);
      errors.push_back(item);
    }
    d.set("file_error", absl::StrJoin(problems, "; "));
    d.set("has_errors", true);
    d.set("errors", errors);
    d.set("error_title", true);
    RenderPage(res, 400, "registrar_upload", d);
  };
  const std::string filename =
      req.has_file("file") ? req.get_file_value("file").filename : "";
  const std::string content = part("file");
  if (filename.empty() || content.empty()) {
    refuse({"Choose a CSV or JSON file of your child profiles or households"});
    return;
  }
  absl::StatusOr<ImportFile> file = ReadUploadedFile(filename, content);
  if (!file.ok()) {
    refuse({std::string(file.status().message())});
    return;
  }
  const RecordFields& fields = households ? AdopterFields() : ChildFields();
  if (!file->header.empty()) {
    absl::Status header = CheckHeader(file->header, fields);
    if (!header.ok()) {
      std::vector<std::string> problems;
      for (const FieldViolation& v : ViolationsOf(header)) {
        problems.push_back(
            absl::StrCat("The header's ", v.field, " ", v.description));
      }
      if (problems.empty()) problems.push_back(std::string(header.message()));
      problems.push_back(absl::StrCat("Nothing was stored. The columns are: ",
                                      absl::StrJoin(fields.Columns(), ", ")));
      refuse(problems);
      return;
    }
  }
  std::vector<UploadRow> rows;
  absl::Status sent =
      households
          ? ImportRows<v1::Adopter, v1::BatchCreateAdoptersRequest,
                       v1::BatchCreateAdoptersResponse,
                       v1::CreateAdopterRequest>(
                *session.client, session.authority, *file, &AdopterFromText,
                &Registry::BatchCreateAdopters,
                &v1::CreateAdopterRequest::mutable_adopter,
                &v1::BatchCreateAdoptersResponse::adopters, rows)
          : ImportRows<v1::Child, v1::BatchCreateChildrenRequest,
                       v1::BatchCreateChildrenResponse, v1::CreateChildRequest>(
                *session.client, session.authority, *file, &ChildFromText,
                &Registry::BatchCreateChildren,
                &v1::CreateChildRequest::mutable_child,
                &v1::BatchCreateChildrenResponse::children, rows);
  if (!sent.ok() && HttpStatusOf(sent) != 400) {
    ApiErrorPage(res, sent, &*signed_in);
    return;
  }
  int stored = 0, already = 0, rejected = 0, not_sent = 0;
  // A JSON array may be one line: its rows are told by their place in it.
  const bool by_element = !rows.empty() && rows[0].element > 0;
  Table table({{.key = "line",
                .label = by_element ? "Element (line)" : "Line",
                .numeric = true,
                .sortable = false},
               {.key = "outcome", .label = "Result", .sortable = false},
               {.key = "record", .label = "Record", .sortable = false},
               {.key = "problems", .label = "Problems", .sortable = false}},
              {.page_size = std::max<int>(1, static_cast<int>(rows.size()))});
  for (const UploadRow& r : rows) {
    stored += r.outcome == UploadRow::kStored;
    already += r.outcome == UploadRow::kAlreadyStored;
    rejected += r.outcome == UploadRow::kRejected;
    not_sent += r.outcome == UploadRow::kNotSent;
    data row;
    row.set("line", by_element ? absl::StrCat(r.element, " (line ", r.line, ")")
                               : absl::StrCat(r.line));
    row.set("outcome", OutcomeWords(r.outcome));
    if (r.outcome == UploadRow::kRejected) row.set("rejected", true);
    if (!r.record.empty()) {
      row.set("record", LastPart(r.record));
      row.set("record_href",
              households ? absl::StrCat("/households/", AuthorityIdOf(r.record),
                                        "/", LastPart(r.record))
                         : ChildKind::PageOf(r.record));
    }
    data problems = List();
    for (const std::string& p : r.problems) {
      data item;
      item.set("text", p);
      problems.push_back(item);
    }
    row.set("problems", problems);
    table.AddRow(row, {});
  }
  data report;
  report.set("filename", filename);
  const char* nouns = households ? "households" : "child profiles";
  std::string summary = absl::StrCat(stored, " ", nouns, " stored");
  if (already > 0) {
    absl::StrAppend(&summary, "; ", already,
                    " already stored by an earlier upload or import");
  }
  absl::StrAppend(&summary, "; ", rejected, rejected == 1 ? " row" : " rows",
                  " not stored");
  if (not_sent > 0) absl::StrAppend(&summary, "; ", not_sent, " not sent");
  report.set("summary", absl::StrCat(summary, "."));
  if (rejected > 0 || not_sent > 0) report.set("has_problems", true);
  if (!sent.ok()) report.set("stopped", UserMessageOf(sent));
  report.set("table", table.Render({}, "/registry/upload"));
  d.set("report", report);
  RenderPage(res, 200, "registrar_upload", d);
}

}  // namespace raa::web
