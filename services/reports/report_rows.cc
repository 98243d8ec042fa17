#include "services/reports/report_rows.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "SQLiteCpp/SQLiteCpp.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "raa/v1/common.pb.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa::report_rows {
namespace {

using reports::ChildFacts;
using reports::Day;
using reports::HouseholdFacts;

std::optional<Day> DayOf(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  std::optional<google::type::Date> date = ParseDate(column.getString());
  if (!date.has_value()) return std::nullopt;
  return ToCivilDay(*date);
}

std::optional<Day> DayOf(const google::type::Date& date) {
  if (IsUnset(date)) return std::nullopt;
  return ToCivilDay(date);
}

template <typename T>
bool Parse(const SQLite::Column& column, T& out) {
  return out.ParseFromArray(column.getBlob(), column.getBytes());
}

using RecordKey = std::pair<std::string, int64_t>;

struct LinkRow {
  int64_t id;
  int placement_kind;
  int state;
  int close_reason;
  std::optional<Day> closed_on;
  std::map<int, Day> steps;
};

// The time `link` held its child and household matched, if it reached
// "match decided": until it closed, if it did.
void AddMatchSpell(const LinkRow& link,
                   std::vector<reports::MatchSpell>& spells) {
  auto matched = link.steps.find(v1::LINK_STEP_MATCH_DECIDED);
  if (matched == link.steps.end()) return;
  spells.push_back({.from = matched->second,
                    .until = link.state == v1::LINK_STATE_CLOSED
                                 ? link.closed_on
                                 : std::nullopt});
}

}  // namespace

absl::StatusOr<reports::Facts> LoadFacts(Store& store) {
  // Every record of the consortium (about 250 ms at 10,000 links): on a
  // connection of its own, leaving the shared ones to the short reads.
  return store.ReadAside([](SQLite::Database& db)
                             -> absl::StatusOr<reports::Facts> {
    reports::Facts facts;
    SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
    {
      SQLite::Statement q(
          db, "SELECT id, display_name, kind FROM authorities ORDER BY id");
      while (q.executeStep()) {
        if (q.getColumn(2).getInt() ==
            v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY) {
          continue;
        }
        facts.members.push_back(
            {q.getColumn(0).getString(), q.getColumn(1).getString()});
      }
    }
    // Milestones: (record_kind, authority, row) -> kind -> date.
    std::map<std::tuple<int, std::string, int64_t>, std::map<int, Day>>
        milestones;
    {
      // What current_milestones gives (the latest row per record and kind),
      // in one pass: later rows overwrite earlier ones.
      SQLite::Statement q(db,
                          "SELECT record_kind, authority_id, record_row, kind, "
                          "date FROM milestones ORDER BY id");
      while (q.executeStep()) {
        std::optional<Day> day = DayOf(q.getColumn(4));
        auto& dates =
            milestones[{q.getColumn(0).getInt(), q.getColumn(1).getString(),
                        q.getColumn(2).getInt64()}];
        // A row with no date ('') clears the milestone (a profile update
        // that removed it).
        if (day.has_value()) {
          dates[q.getColumn(3).getInt()] = *day;
        } else {
          dates.erase(q.getColumn(3).getInt());
        }
      }
    }
    auto milestone = [&](int kind_of_record, const std::string& authority,
                         int64_t row, int kind) -> std::optional<Day> {
      auto it = milestones.find({kind_of_record, authority, row});
      if (it == milestones.end()) return std::nullopt;
      auto k = it->second.find(kind);
      if (k == it->second.end()) return std::nullopt;
      return k->second;
    };
    // Links and their step dates (corrections applied).
    std::map<int64_t, LinkRow> links;
    std::map<RecordKey, std::vector<int64_t>> child_links, household_links;
    {
      SQLite::Statement q(
          db,
          "SELECT id, child_authority, child_row, adopter_authority, "
          "adopter_row, placement_kind, state, close_reason, closed_on "
          "FROM links ORDER BY id");
      while (q.executeStep()) {
        LinkRow l{q.getColumn(0).getInt64(), q.getColumn(5).getInt(),
                  q.getColumn(6).getInt(),   q.getColumn(7).getInt(),
                  DayOf(q.getColumn(8)),     {}};
        child_links[{q.getColumn(1).getString(), q.getColumn(2).getInt64()}]
            .push_back(l.id);
        household_links[{q.getColumn(3).getString(), q.getColumn(4).getInt64()}]
            .push_back(l.id);
        links.emplace(l.id, std::move(l));
      }
    }
    {
      SQLite::Statement q(db,
                          "SELECT link_id, step, date FROM link_step_dates");
      while (q.executeStep()) {
        std::optional<Day> day = DayOf(q.getColumn(2));
        auto it = links.find(q.getColumn(0).getInt64());
        if (!day.has_value() || it == links.end()) continue;
        it->second.steps[q.getColumn(1).getInt()] = *day;
      }
    }
    auto step = [](const LinkRow& l, int s) -> std::optional<Day> {
      auto it = l.steps.find(s);
      if (it == l.steps.end()) return std::nullopt;
      return it->second;
    };
    {
      SQLite::Statement q(
          db, "SELECT id, authority_id, status, profile FROM children");
      while (q.executeStep()) {
        v1::Child child;
        if (!Parse(q.getColumn(3), child)) {
          return absl::InternalError("a stored child profile does not parse");
        }
        ChildFacts c;
        c.row = q.getColumn(0).getInt64();
        c.authority_id = q.getColumn(1).getString();
        c.status = q.getColumn(2).getInt();
        c.ages_as_of = DayOf(child.ages_as_of()).value_or(Day(2000, 1, 1));
        for (const std::string& h : child.hidden_from()) {
          c.hidden_from.push_back(h);
        }
        for (const v1::ChildMember& m : child.members()) {
          reports::MemberFacts mf;
          mf.age_months = m.age_months();
          mf.bme = reports::IsBmeHeritage(m.heritage());
          for (const v1::Need& n : m.needs()) {
            if (reports::IsDisability(n.category())) {
              mf.disability_or_severe_need = true;
            }
            if (n.level() == v1::NEED_LEVEL_SEVERE) {
              mf.disability_or_severe_need = true;
              mf.severe_needs.push_back(n.category());
            }
          }
          c.members.push_back(std::move(mf));
        }
        auto date = [&](int kind, const google::type::Date& stored) {
          std::optional<Day> d = milestone(0, c.authority_id, c.row, kind);
          return d.has_value() ? d : DayOf(stored);
        };
        c.entered_care = date(v1::MILESTONE_KIND_ENTERED_CARE,
                              child.journey().entered_care());
        c.shobpa = date(v1::MILESTONE_KIND_SHOBPA_DECISION,
                        child.journey().shobpa_decision());
        c.placement_order = date(v1::MILESTONE_KIND_PLACEMENT_ORDER,
                                 child.journey().placement_order());
        // The adopting link, else the open one furthest on that reached
        // "match decided"; a closed link's dates do not count.
        const LinkRow* chosen = nullptr;
        auto it = child_links.find({c.authority_id, c.row});
        if (it != child_links.end()) {
          for (int64_t id : it->second) {
            const LinkRow& l = links.at(id);
            AddMatchSpell(l, c.match_spells);
            if (l.close_reason == v1::CLOSE_REASON_PLAN_CHANGED &&
                l.closed_on.has_value() &&
                (!c.plan_changed_on || *l.closed_on < *c.plan_changed_on)) {
              c.plan_changed_on = l.closed_on;
            }
            if (step(l, v1::LINK_STEP_ORDER_GRANTED).has_value() &&
                l.state != v1::LINK_STATE_CLOSED) {
              chosen = &l;
            } else if (l.state == v1::LINK_STATE_OPEN &&
                       step(l, v1::LINK_STEP_MATCH_DECIDED).has_value() &&
                       (chosen == nullptr ||
                        !step(*chosen, v1::LINK_STEP_ORDER_GRANTED))) {
              chosen = &l;
            }
          }
        }
        if (chosen != nullptr) {
          c.matched = step(*chosen, v1::LINK_STEP_MATCH_DECIDED);
          c.placed = step(*chosen, v1::LINK_STEP_PLACED);
          c.order_applied = step(*chosen, v1::LINK_STEP_ORDER_APPLIED);
          c.order_granted = step(*chosen, v1::LINK_STEP_ORDER_GRANTED);
          c.early_permanence =
              chosen->placement_kind ==
                  v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION ||
              chosen->placement_kind == v1::PLACEMENT_KIND_CONCURRENT_PLANNING;
        }
        facts.children.push_back(std::move(c));
      }
    }
    {
      SQLite::Statement q(
          db,
          "SELECT id, authority_id, status, approved_for, profile FROM "
          "adopters");
      while (q.executeStep()) {
        v1::Adopter adopter;
        if (!Parse(q.getColumn(4), adopter)) {
          return absl::InternalError("a stored household does not parse");
        }
        HouseholdFacts h;
        h.row = q.getColumn(0).getInt64();
        h.authority_id = q.getColumn(1).getString();
        h.status = q.getColumn(2).getInt();
        h.approved_for = q.getColumn(3).getInt();
        h.min_age_months = adopter.min_age_months();
        h.max_age_months = adopter.max_age_months();
        for (const v1::NeedLimit& n : adopter.need_limits()) {
          if (n.max_level() == v1::NEED_LEVEL_SEVERE) {
            h.severe_ok.push_back(n.category());
          }
        }
        auto date = [&](int kind, const google::type::Date& stored) {
          std::optional<Day> d = milestone(1, h.authority_id, h.row, kind);
          return d.has_value() ? d : DayOf(stored);
        };
        h.registered = date(v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST,
                            adopter.registered_interest_on());
        h.applied =
            date(v1::MILESTONE_KIND_STAGE_TWO_START, adopter.applied_on());
        h.approved = date(v1::MILESTONE_KIND_APPROVAL, adopter.approved_on());
        auto it = household_links.find({h.authority_id, h.row});
        if (it != household_links.end()) {
          for (int64_t id : it->second) {
            AddMatchSpell(links.at(id), h.match_spells);
            std::optional<Day> m =
                step(links.at(id), v1::LINK_STEP_MATCH_DECIDED);
            if (m.has_value() && (!h.matched || *m < *h.matched)) {
              h.matched = m;
            }
          }
        }
        facts.households.push_back(std::move(h));
      }
    }
    return facts;
  });
}

}  // namespace raa::report_rows
