#include "clients/web/page_helpers.h"

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

std::string LastPart(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace raa::web
