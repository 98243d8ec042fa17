#include "clients/web/templates.h"

#include "absl/strings/str_cat.h"

namespace raa::web {

Templates::Templates() {
  for (const auto& [name, text] : EmbeddedTemplates()) {
    const std::string* source = &text;
    partials_.set(name,
                  kainjow::mustache::partial([source] { return *source; }));
  }
}

absl::StatusOr<std::string> Templates::Render(
    const std::string& name, const kainjow::mustache::data& data) const {
  auto it = EmbeddedTemplates().find(name);
  if (it == EmbeddedTemplates().end()) {
    return absl::InternalError(absl::StrCat("no template ", name));
  }
  kainjow::mustache::mustache tmpl(it->second);
  if (!tmpl.is_valid()) {
    return absl::InternalError(
        absl::StrCat("template ", name, ": ", tmpl.error_message()));
  }
  kainjow::mustache::data context = data;
  // Partials by name, unless the page's data has a value of that name.
  for (const auto& [partial, text] : EmbeddedTemplates()) {
    if (context.get(partial) == nullptr) {
      context.set(partial, *partials_.get(partial));
    }
  }
  std::string out = tmpl.render(context);
  if (!tmpl.is_valid()) {
    return absl::InternalError(
        absl::StrCat("template ", name, ": ", tmpl.error_message()));
  }
  return out;
}

}  // namespace raa::web
