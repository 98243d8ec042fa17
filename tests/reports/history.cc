#include "tests/reports/history.h"

#include "absl/strings/str_format.h"

namespace raa::test {

std::string Iso(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

History::History(const std::string& db_path)
    : db_(std::make_unique<SQLite::Database>(db_path, SQLite::OPEN_READWRITE)) {
  db_->setBusyTimeout(10000);
}

void History::Milestone(int record_kind, const std::string& authority,
                        int64_t row, int kind, absl::CivilDay date) {
  SQLite::Statement q(*db_,
                      "INSERT INTO milestones (record_kind, authority_id, "
                      "record_row, kind, date, record_time) VALUES "
                      "(?, ?, ?, ?, ?, 0)");
  q.bind(1, record_kind);
  q.bind(2, authority);
  q.bind(3, row);
  q.bind(4, kind);
  q.bind(5, Iso(date));
  q.exec();
}

int64_t History::Link(const std::string& child_authority, int64_t child_row,
                      const std::string& adopter_authority, int64_t adopter_row,
                      int placement_kind, int state,
                      const std::map<int, absl::CivilDay>& steps,
                      int close_reason, std::string closed_on) {
  SQLite::Statement q(
      *db_,
      "INSERT INTO links (child_authority, child_row, adopter_authority, "
      "adopter_row, placement_kind, state, step, close_reason, closed_on, "
      "create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)");
  q.bind(1, child_authority);
  q.bind(2, child_row);
  q.bind(3, adopter_authority);
  q.bind(4, adopter_row);
  q.bind(5, placement_kind);
  q.bind(6, state);
  q.bind(7, steps.empty() ? 1 : steps.rbegin()->first);
  q.bind(8, close_reason);
  if (closed_on.empty()) {
    q.bind(9);
  } else {
    q.bind(9, closed_on);
  }
  q.exec();
  const int64_t id = db_->getLastInsertRowid();
  for (const auto& [step, date] : steps) {
    SQLite::Statement s(*db_,
                        "INSERT INTO link_steps (link_id, step, date, "
                        "authority_id, key_id, record_time) VALUES "
                        "(?, ?, ?, ?, 'k', 0)");
    s.bind(1, id);
    s.bind(2, step);
    s.bind(3, Iso(date));
    s.bind(4, child_authority);
    s.exec();
  }
  return id;
}

void History::Correct(int64_t link_id, int step, absl::CivilDay old_date,
                      absl::CivilDay new_date) {
  SQLite::Statement q(*db_,
                      "INSERT INTO step_corrections (link_id, step, old_date, "
                      "new_date, reason, authority_id, key_id, record_time) "
                      "VALUES (?, ?, ?, ?, 'typed wrong', 'x', 'k', 0)");
  q.bind(1, link_id);
  q.bind(2, step);
  q.bind(3, Iso(old_date));
  q.bind(4, Iso(new_date));
  q.exec();
}

void History::SetChildStatus(int64_t row, int status) {
  SQLite::Statement q(*db_, "UPDATE children SET status = ? WHERE id = ?");
  q.bind(1, status);
  q.bind(2, row);
  q.exec();
}

void History::SetAdopterStatus(int64_t row, int status) {
  SQLite::Statement q(*db_, "UPDATE adopters SET status = ? WHERE id = ?");
  q.bind(1, status);
  q.bind(2, row);
  q.exec();
}

}  // namespace raa::test
