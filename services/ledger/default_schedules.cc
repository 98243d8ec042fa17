#include "services/ledger/default_schedules.h"

#include <string>

#include "common/check.h"
#include "common/errors.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "services/ledger/ledger_rules.h"

namespace raa::ledger_internal {
// data/fee-schedules.textproto, embedded by CMake
// (default_schedules.cc.in).
extern const char kDefaultFeeSchedulesText[];
}  // namespace raa::ledger_internal

namespace raa::ledger {
namespace {

// Collects the parser's complaints for the RAA_CHECK message.
class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    errors_ += "line " + std::to_string(line + 1) + ":" +
               std::to_string(column + 1) + ": " + message + "; ";
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

}  // namespace

std::vector<v1::FeeSchedule> DefaultFeeSchedules() {
  v1::ListFeeSchedulesResponse list;
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors;
  parser.RecordErrorsTo(&errors);
  bool parsed =
      parser.ParseFromString(ledger_internal::kDefaultFeeSchedulesText, &list);
  RAA_CHECK(parsed) << "data/fee-schedules.textproto: " << errors.errors();
  RAA_CHECK(list.schedules_size() > 0) << "data/fee-schedules.textproto";
  std::vector<v1::FeeSchedule> schedules;
  schedules.reserve(list.schedules_size());
  for (v1::FeeSchedule& schedule : *list.mutable_schedules()) {
    schedule.set_version(static_cast<int64_t>(schedules.size()) + 1);
    schedule.set_created_by("shipped");
    FieldErrors invalid;
    ledger_rules::ValidateSchedule(
        schedule, schedules.empty() ? nullptr : &schedules.back(), "schedule",
        invalid);
    std::string why;
    for (const FieldViolation& v : invalid.violations()) {
      why += v.field + ": " + v.description + "; ";
    }
    RAA_CHECK(invalid.empty()) << "data/fee-schedules.textproto, schedule "
                               << schedules.size() + 1 << ": " << why;
    schedules.push_back(std::move(schedule));
  }
  return schedules;
}

}  // namespace raa::ledger
