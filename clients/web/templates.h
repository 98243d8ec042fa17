// The console's mustache templates and its own static files, built into the
// program from clients/web/templates/ and clients/web/static/ (CMake makes
// embedded_files.cc), and rendering with HTML escaping on: `{{x}}` escapes;
// the templates never use `{{{x}}}`.
//
// Each page template starts with {{> layout_top}} and ends with
// {{> layout_bottom}}; any template can be used as a partial by its name
// ({{> reasons}}). Thread-safe: Render parses a fresh copy each time.
#ifndef RAAMATCH_CLIENTS_WEB_TEMPLATES_H_
#define RAAMATCH_CLIENTS_WEB_TEMPLATES_H_

#include <kainjow/mustache.hpp>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace raa::web {

// template name (file name without .mustache) -> text.
const std::map<std::string, std::string>& EmbeddedTemplates();
// static file name ("raa-web.css") -> contents.
const std::map<std::string, std::string>& EmbeddedStaticFiles();

class Templates {
 public:
  Templates();
  // The page; INTERNAL naming the template if it does not exist or does not
  // parse (a build defect, never user data).
  absl::StatusOr<std::string> Render(const std::string& name,
                                     const kainjow::mustache::data& data) const;

 private:
  kainjow::mustache::data partials_;
};

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_TEMPLATES_H_
