// Early-return helpers for absl::Status, which Abseil 20220623 does not ship.
//
//   RETURN_IF_ERROR(store.Write(x));
//   ASSIGN_OR_RETURN(Child child, store.GetChild(name));
#ifndef RAAMATCH_COMMON_STATUS_MACROS_H_
#define RAAMATCH_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RAA_CONCAT_INNER_(a, b) a##b
#define RAA_CONCAT_(a, b) RAA_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status raa_status_ = (expr);       \
    if (!raa_status_.ok()) return raa_status_; \
  } while (false)

#define RAA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  RAA_ASSIGN_OR_RETURN_IMPL_(RAA_CONCAT_(raa_statusor_, __LINE__), lhs, expr)

#endif  // RAAMATCH_COMMON_STATUS_MACROS_H_
