#include "clients/web/page_helpers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "clients/lib/client.h"
#include "clients/web/views.h"

namespace raa::web {

kainjow::mustache::data List() {
  return kainjow::mustache::data(kainjow::mustache::data::type::list);
}

std::string Param(const httplib::Request& req, const std::string& name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
}

std::string RequestIdOf(const httplib::Request& req) {
  std::string id = Param(req, "request_id");
  return IsRequestId(id) ? id : NewRequestId();
}

void Redirect(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
  res.set_header("Cache-Control", "no-store");
}

std::string ShortAuthority(const std::string& name) {
  return std::string(absl::StripPrefix(name, "authorities/"));
}

std::string MemberLabel(const v1::Authority& a) {
  return a.display_name().empty() ? ShortAuthority(a.name())
                                  : absl::StrCat(a.display_name(), " (",
                                                 ShortAuthority(a.name()), ")");
}

std::string LastPart(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

FieldOf FieldsByPath(std::vector<std::pair<std::string, FormField>> fields) {
  return [fields = std::move(fields)](const std::string& path) -> FormField {
    for (const auto& [prefix, field] : fields) {
      absl::string_view rest = path;
      if (!absl::ConsumePrefix(&rest, prefix)) continue;
      if (rest.empty() || rest[0] == '.' || rest[0] == '[') return field;
    }
    return {};
  };
}

std::map<std::string, std::string> SetFormErrors(
    kainjow::mustache::data& d, std::vector<FieldViolation> violations,
    const FieldOf& field_of, const FormField& fallback, bool beside_fallback) {
  std::map<std::string, std::string> beside;
  kainjow::mustache::data summary = List();
  for (const FieldViolation& v : violations) {
    FormField field = v.field.empty() ? FormField{} : field_of(v.field);
    const bool placed = !field.id.empty();
    kainjow::mustache::data item;
    item.set("href", absl::StrCat("#", placed ? field.id : fallback.id));
    item.set("text", placed && !field.label.empty()
                         ? absl::StrCat(field.label, ": ", v.description)
                         : v.description);
    summary.push_back(item);
    if (placed || (beside_fallback && v.field.empty())) {
      std::string& text = beside[placed ? field.id : fallback.id];
      absl::StrAppend(&text, text.empty() ? "" : "; ", v.description);
    }
  }
  for (const auto& [id, text] : beside) {
    const std::string key = absl::StrReplaceAll(id, {{"-", "_"}});
    d.set(absl::StrCat(key, "_error"), text);
    d.set(absl::StrCat(key, "_error_class"), true);
  }
  d.set("errors", summary);
  d.set("has_errors", true);
  d.set("error_title", true);
  return beside;
}

std::map<std::string, std::string> SetFormErrors(kainjow::mustache::data& d,
                                                 const absl::Status& status,
                                                 const FieldOf& field_of,
                                                 const FormField& fallback,
                                                 bool beside_fallback) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) violations.push_back({"", UserMessageOf(status)});
  return SetFormErrors(d, std::move(violations), field_of, fallback,
                       beside_fallback);
}

}  // namespace raa::web
