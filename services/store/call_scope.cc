#include "services/store/call_scope.h"

#include <utility>

namespace raa {
namespace {

thread_local CallScope* current_scope = nullptr;
thread_local const std::function<absl::Status()>* current_check = nullptr;

}  // namespace

CallScope::CallScope(std::function<absl::Status()> wanted)
    : wanted_(std::move(wanted)), outer_(current_scope) {
  current_scope = this;
  current_check = &wanted_;
}

CallScope::~CallScope() {
  current_scope = outer_;
  current_check = outer_ == nullptr ? nullptr : &outer_->wanted_;
}

absl::Status CurrentCallWanted() {
  if (current_check == nullptr || !*current_check) return absl::OkStatus();
  return (*current_check)();
}

}  // namespace raa
