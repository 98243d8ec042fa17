// What the console's page handlers (web_app.cc and the *_pages.cc files)
// share: reading a form, a form's request id, answering with a redirect,
// and the small conversions every page makes. Stateless; thread-safe.
#ifndef RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_
#define RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/errors.h"
#include "raa/v1/registry.pb.h"

namespace raa::web {

// How many records a page reads at most, over every page of a List call
// (its table sorts and pages them); the page says when there are more.
inline constexpr size_t kMaxListed = 10000;

// An empty list for page data (mustache's data defaults to an object).
kainjow::mustache::data List();

// The value of the query or form field `name` of `req`, or "" without one.
std::string Param(const httplib::Request& req, const std::string& name);

// The request_id a form carried, when it is one the API accepts (so a form
// sent twice is one write), else a new one.
std::string RequestIdOf(const httplib::Request& req);

// Answers 303 See Other to `to` (a path on this console), not cached.
void Redirect(httplib::Response& res, const std::string& to);

// "authorities/leeds" -> "leeds"; other text as it is.
std::string ShortAuthority(const std::string& name);

// A member as pages and select options name it: "Leeds City Council
// (leeds)", or "leeds" without a display name.
std::string MemberLabel(const v1::Authority& a);

// "c3" for "authorities/sheffield/children/c3": what follows the last '/'
// (all of `name` when it has none).
std::string LastPart(const std::string& name);

// A field of a form, for its error messages: its id on the page and the
// label the error summary names it by.
struct FormField {
  std::string id;  // "": the form has no such field
  std::string label;
};

// The form field an API field path belongs to ("payment.amount.units" ->
// the amount field), or one with an empty id.
using FieldOf = std::function<FormField(const std::string& api_field)>;

// A field per path: `fields` lists (API path, form field); a path matches
// its entry or a path below it ("amount" covers "amount.units" and
// "amount[0]").
FieldOf FieldsByPath(std::vector<std::pair<std::string, FormField>> fields);

// A failed call's errors on its form, the GOV.UK way. Sets `errors`, the
// error summary: each message links to its field and names it by its label
// ("Paid on: must be a date YYYY-MM-DD"). For each field with messages,
// sets "<id>_error", the messages beside it ("; " between them), and
// "<id>_error_class" ('-' in an id reads as '_'). A violation of a path the
// form has no field for, and a refusal naming no field (the call's own
// message), link to `fallback` unnamed; the refusal naming no field shows
// beside it too when `beside_fallback`. Returns the messages beside each
// field, by id.
std::map<std::string, std::string> SetFormErrors(
    kainjow::mustache::data& d, std::vector<FieldViolation> violations,
    const FieldOf& field_of, const FormField& fallback,
    bool beside_fallback = false);
// The violations of `status` (google.rpc.BadRequest), or its message as one
// naming no field.
std::map<std::string, std::string> SetFormErrors(kainjow::mustache::data& d,
                                                 const absl::Status& status,
                                                 const FieldOf& field_of,
                                                 const FormField& fallback,
                                                 bool beside_fallback = false);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_
