// Score components and their reasons as page data: the one place a ranked
// pair's "why" becomes what a page shows (templates/reasons.mustache draws
// it), so that a change to how the API encodes reasons is one change here.
// The API sends reasons as codes (RANK_VIEW_FULL); their words come from the
// reason catalogue (common/reason_catalog.h), which raa-web fetches once and
// keeps (WebApp::Reasons, clients/lib/reason_cache.h).
//
//   row.set("components", ReasonsData(*reasons, ranked.components()));
//   // and in the row's template: {{> reasons}}
#ifndef RAAMATCH_CLIENTS_WEB_REASONS_H_
#define RAAMATCH_CLIENTS_WEB_REASONS_H_

#include <kainjow/mustache.hpp>

#include "common/reason_catalog.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "raa/v1/matching.pb.h"

namespace raa::web {

// A list with one item per component: component (its key in words, "age
// fit"), points ("12.5"), fit (percent), weight and reason (the API's words
// when it sent them, else its codes in the words of `reasons`). Pure.
kainjow::mustache::data ReasonsData(
    const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components);

// The barrier summary's items: one per exclusion, its text ("41 households
// approved for fewer than 3 children"). Pure.
kainjow::mustache::data ExclusionsData(
    const ReasonCatalog& reasons,
    const google::protobuf::RepeatedPtrField<v1::Exclusion>& exclusions);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_REASONS_H_
