// Score components and their reasons as page data: the one place a ranked
// pair's "why" becomes what a page shows (templates/reasons.mustache draws
// it), so that a change to how the API encodes reasons is one change here.
//
//   row.set("components", ReasonsData(ranked.components()));
//   // and in the row's template: {{> reasons}}
#ifndef RAAMATCH_CLIENTS_WEB_REASONS_H_
#define RAAMATCH_CLIENTS_WEB_REASONS_H_

#include <kainjow/mustache.hpp>

#include "google/protobuf/repeated_ptr_field.h"
#include "raa/v1/matching.pb.h"

namespace raa::web {

// A list with one item per component: component (its id in words, "age
// fit"), points ("12.5"), fit (percent), weight and reason (the API's text
// as given). Pure.
kainjow::mustache::data ReasonsData(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_REASONS_H_
