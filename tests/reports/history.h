// Journey history written straight into the store's tables, as the shared
// storage contract lays them out (milestones, links, link_steps,
// step_corrections), for the reports' tests while the link RPCs are built
// elsewhere. One SQLite connection to the store's file, beside the store's
// own (WAL: the store reads what it commits).
#ifndef RAAMATCH_TESTS_REPORTS_HISTORY_H_
#define RAAMATCH_TESTS_REPORTS_HISTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "SQLiteCpp/SQLiteCpp.h"
#include "absl/time/civil_time.h"

namespace raa::test {

class History {
 public:
  explicit History(const std::string& db_path);

  // record_kind 0: a child profile, 1: a household.
  void Milestone(int record_kind, const std::string& authority, int64_t row,
                 int kind, absl::CivilDay date);
  // A link with its steps (raa.v1.LinkStep -> date); returns its id.
  int64_t Link(const std::string& child_authority, int64_t child_row,
               const std::string& adopter_authority, int64_t adopter_row,
               int placement_kind, int state,
               const std::map<int, absl::CivilDay>& steps, int close_reason = 0,
               std::string closed_on = "");
  void Correct(int64_t link_id, int step, absl::CivilDay old_date,
               absl::CivilDay new_date);
  void SetChildStatus(int64_t row, int status);
  void SetAdopterStatus(int64_t row, int status);

 private:
  std::unique_ptr<SQLite::Database> db_;
};

std::string Iso(absl::CivilDay day);

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_REPORTS_HISTORY_H_
