#include "common/reason_catalog.h"

#include <utility>
#include <vector>

namespace raa {

absl::StatusOr<ReasonFormatter> FormatterOf(const v1::ReasonCatalog& proto) {
  std::vector<ReasonPhraseText> phrases;
  phrases.reserve(proto.phrases_size());
  for (const v1::ReasonPhrase& p : proto.phrases()) {
    phrases.push_back({.code = p.code(),
                       .text = p.text(),
                       .arity = p.arity(),
                       .text_arity = p.text_arity(),
                       .continues = p.continues()});
  }
  std::vector<ReasonTableText> tables;
  for (const v1::ReasonTable& t : proto.tables()) {
    tables.push_back({t.name(), {t.entries().begin(), t.entries().end()}});
  }
  return ReasonFormatter::Create(std::move(phrases), std::move(tables));
}

void AddPhrasesTo(const ReasonFormatter& formatter, v1::ReasonCatalog& proto) {
  for (const ReasonPhraseText& p : formatter.phrases()) {
    v1::ReasonPhrase* out = proto.add_phrases();
    out->set_code(p.code);
    out->set_text(p.text);
    out->set_arity(p.arity);
    out->set_text_arity(p.text_arity);
    out->set_continues(p.continues);
  }
  for (const ReasonTableText& t : formatter.tables()) {
    v1::ReasonTable* out = proto.add_tables();
    out->set_name(t.name);
    out->mutable_entries()->Add(t.entries.begin(), t.entries.end());
  }
}

absl::StatusOr<ReasonCatalog> ReasonCatalog::FromProto(
    const v1::ReasonCatalog& proto) {
  absl::StatusOr<ReasonFormatter> formatter = FormatterOf(proto);
  if (!formatter.ok()) return formatter.status();
  ReasonCatalog catalog;
  catalog.proto_ = proto;
  catalog.formatter_ = *std::move(formatter);
  for (int i = 0; i < proto.components_size(); ++i) {
    catalog.components_[proto.components(i).id()] = i;
  }
  for (int i = 0; i < proto.constraints_size(); ++i) {
    catalog.constraints_[proto.constraints(i).id()] = i;
  }
  return catalog;
}

std::string ReasonCatalog::ReasonOf(const v1::ScoreComponent& c) const {
  if (!c.reason().empty()) return c.reason();
  std::vector<std::string> text_args(c.reason_text_args().begin(),
                                     c.reason_text_args().end());
  return formatter_.Format(c.reason_codes(), c.reason_args(), text_args);
}

std::string ReasonCatalog::TextOf(const v1::Exclusion& e) const {
  if (!e.text().empty()) return e.text();
  return formatter_.Format(e.reason_codes(), e.reason_args(), {});
}

std::string ReasonCatalog::ComponentKey(const v1::ScoreComponent& c) const {
  if (!c.component().empty()) return c.component();
  auto it = components_.find(c.id());
  return it == components_.end() ? "" : proto_.components(it->second).key();
}

std::string ReasonCatalog::ComponentTitle(const v1::ScoreComponent& c) const {
  auto it = components_.find(c.id());
  if (it != components_.end() &&
      !proto_.components(it->second).title().empty()) {
    return proto_.components(it->second).title();
  }
  return ComponentKey(c);
}

std::string ReasonCatalog::ConstraintKey(const v1::Exclusion& e) const {
  if (!e.constraint().empty()) return e.constraint();
  auto it = constraints_.find(e.id());
  return it == constraints_.end() ? "" : proto_.constraints(it->second).key();
}

}  // namespace raa
