// What the console's page handlers (web_app.cc and the *_pages.cc files)
// share: reading a form, a form's request id, answering with a redirect,
// and the small conversions every page makes. Stateless; thread-safe.
#ifndef RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_
#define RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_

#include <httplib.h>

#include <cstddef>
#include <kainjow/mustache.hpp>
#include <string>

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

// "c3" for "authorities/sheffield/children/c3": what follows the last '/'
// (all of `name` when it has none).
std::string LastPart(const std::string& name);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_PAGE_HELPERS_H_
