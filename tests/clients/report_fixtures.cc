#include "tests/clients/report_fixtures.h"

#include <optional>
#include <string>

namespace raa::testing {
namespace {

google::type::Date Day(int year, int month, int day) {
  google::type::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

void AddIndicator(google::protobuf::RepeatedPtrField<v1::Indicator>* list,
                  const std::string& code, const std::string& id,
                  const std::string& title, const std::string& unit,
                  std::optional<double> value, int count,
                  std::optional<double> threshold) {
  v1::Indicator* ind = list->Add();
  ind->set_code(code);
  ind->set_id(id);
  ind->set_title(title);
  ind->set_unit(unit);
  if (value.has_value()) ind->set_value(*value);
  ind->set_count(count);
  if (threshold.has_value()) {
    ind->set_threshold(*threshold);
    ind->set_met(value.has_value() && *value <= *threshold);
  }
}

void AddMember(v1::MemberRanking* ranking, const std::string& id,
               const std::string& name, std::optional<double> value, int count,
               int rank, std::optional<double> threshold) {
  v1::RankedMember* m = ranking->add_members();
  m->set_authority("authorities/" + id);
  m->set_display_name(name);
  if (value.has_value()) m->set_value(*value);
  m->set_count(count);
  m->set_rank(rank);
  m->set_met(value.has_value() && threshold.has_value() &&
             *value <= *threshold);
}

void AddGroup(google::protobuf::RepeatedPtrField<v1::WaitingGroup>* list,
              const std::string& group, const std::string& title, int waiting,
              std::optional<double> mean, std::optional<double> median,
              std::optional<int> eligible) {
  v1::WaitingGroup* g = list->Add();
  g->set_group(group);
  g->set_title(title);
  g->set_waiting(waiting);
  if (mean.has_value()) g->set_mean_days(*mean);
  if (median.has_value()) g->set_median_days(*median);
  if (eligible.has_value()) g->set_eligible_households(*eligible);
}

}  // namespace

v1::Scorecard FixtureScorecard() {
  v1::Scorecard card;
  card.set_authority("authorities/sheffield");
  *card.mutable_as_of() = Day(2017, 4, 2);
  const double a1_threshold[] = {639, 568, 497, 426, 426};
  const double a2_threshold[] = {213, 182, 152, 121, 121};
  const double a1[] = {602, 551, 489, 455, 431};
  const double a2[] = {301, 288, 293, 264, 240};
  const double a3[] = {41.2, 45.0, 52.5, 55.1, 58.3};
  const int adopted[] = {34, 38, 41, 45, 44};
  for (int i = 0; i < 5; ++i) {
    v1::ScorecardWindow* w = card.add_windows();
    *w->mutable_start() = Day(2010 + i, 4, 1);
    *w->mutable_end() = Day(2013 + i, 3, 31);
    auto* list = w->mutable_indicators();
    AddIndicator(list, "A1", "a1_care_to_placement_days",
                 "Average days from entering care to moving in with the "
                 "adoptive family",
                 "days", a1[i], adopted[i], a1_threshold[i]);
    AddIndicator(list, "A2", "a2_order_to_match_days",
                 "Average days from the placement order to the match decision",
                 "days", a2[i], adopted[i] - 3, a2_threshold[i]);
    AddIndicator(list, "A3", "a3_placed_within_426_days",
                 "Children who waited under 426 days (seed 001 counts over 19 "
                 "months)",
                 "percent", a3[i], adopted[i], std::nullopt);
    AddIndicator(list, "A10", "a10_care_to_placement_days_foster_start",
                 "A1 with the clock stopped at a foster placement that became "
                 "the adoption",
                 "days",
                 i == 0 ? std::nullopt : std::optional<double>(a1[i] - 40),
                 i == 0 ? 0 : adopted[i], std::nullopt);
    AddIndicator(list, "", "adopter_registration_to_approval_days",
                 "Average days from registration of interest to approval",
                 "days", 190 - 4 * i, 20 + i, std::nullopt);
  }
  return card;
}

v1::Scorecard FixtureConsortiumScorecard() {
  v1::Scorecard card = FixtureScorecard();
  card.set_authority("authorities/-");
  v1::MemberRanking* a1 = card.add_rankings();
  a1->set_indicator_id("a1_care_to_placement_days");
  a1->set_code("A1");
  AddMember(a1, "telford", "Telford and Wrekin", 388, 21, 1, 426);
  AddMember(a1, "rotherham", "Rotherham", 412, 17, 2, 426);
  AddMember(a1, "sheffield", "Sheffield", 431, 44, 3, 426);
  AddMember(a1, "thurrock", "Thurrock", 784, 9, 4, 426);
  v1::MemberRanking* a2 = card.add_rankings();
  a2->set_indicator_id("a2_order_to_match_days");
  a2->set_code("A2");
  AddMember(a2, "telford", "Telford and Wrekin", 45, 20, 1, 121);
  AddMember(a2, "rotherham", "Rotherham", 118, 15, 2, 121);
  AddMember(a2, "sheffield", "Sheffield", 293, 41, 3, 121);
  AddMember(a2, "thurrock", "Thurrock", std::nullopt, 0, 4, 121);
  v1::MemberRanking* a10 = card.add_rankings();
  a10->set_indicator_id("a10_care_to_placement_days_foster_start");
  a10->set_code("A10");
  AddMember(a10, "telford", "Telford and Wrekin", 350, 21, 1, std::nullopt);
  AddMember(a10, "sheffield", "Sheffield", 391, 44, 2, std::nullopt);
  return card;
}

v1::WaitingReport FixtureWaitingReport() {
  v1::WaitingReport report;
  report.set_authority("authorities/-");
  *report.mutable_as_of() = Day(2017, 4, 2);
  auto* c = report.mutable_children();
  AddGroup(c, "all", "All children", 112, 301, 244, 41);
  AddGroup(c, "age_5_plus", "Aged 5 or over", 38, 412, 380, 6);
  AddGroup(c, "bme", "Black and minority ethnic heritage", 29, 356, 301, 12);
  AddGroup(c, "disability_or_severe_need", "Disability or severe need", 17, 398,
           350, 4);
  AddGroup(c, "siblings_1", "Single children", 70, 250, 201, 41);
  AddGroup(c, "siblings_2", "Sibling groups of 2", 22, 333, 310, 9);
  AddGroup(c, "siblings_3_plus", "Sibling groups of 3 or more", 20, 520, 498,
           0);
  auto* h = report.mutable_households();
  AddGroup(h, "approved_for_1", "Approved for 1 child", 30, 120, 98,
           std::nullopt);
  AddGroup(h, "approved_for_2", "Approved for 2 children", 8, 75, 60,
           std::nullopt);
  AddGroup(h, "approved_for_3_plus", "Approved for 3 or more", 3, std::nullopt,
           std::nullopt, std::nullopt);
  report.add_barriers(
      "20 sibling groups of 3 or more; 3 households approved for 3, none "
      "eligible for any of them");
  report.add_barriers(
      "2 children with profound & multiple needs; 0 households");
  return report;
}

v1::Forecast FixtureForecast() {
  v1::Forecast forecast;
  *forecast.mutable_as_of() = Day(2017, 4, 2);
  v1::AuthorityForecast* sheffield = forecast.add_authorities();
  sheffield->set_authority("authorities/sheffield");
  sheffield->set_court_median_days(84);
  const double a1[] = {446, 470};
  const double a2[] = {198, 231};
  for (int i = 0; i < 2; ++i) {
    v1::ForecastWindow* w = sheffield->add_windows();
    *w->mutable_start() = Day(2015 + i, 4, 1);
    *w->mutable_end() = Day(2018 + i, 3, 31);
    AddIndicator(w->mutable_indicators(), "A1", "a1_care_to_placement_days",
                 "Average days from entering care to moving in (forecast)",
                 "days", a1[i], 40 + i, 426);
    AddIndicator(w->mutable_indicators(), "A2", "a2_order_to_match_days",
                 "Average days from the placement order to the match decision "
                 "(forecast)",
                 "days", a2[i], 38 + i, 121);
  }
  struct Child {
    const char* id;
    int days;
    std::optional<google::type::Date> latest;
    bool over;
  };
  const Child children[] = {
      {"c12", 612, std::nullopt, true},
      {"c7", 401, Day(2017, 4, 1), true},
      {"c31", 150, Day(2017, 6, 30), false},
      {"c40", 60, Day(2017, 9, 12), false},
      {"c44", 5, Day(2017, 11, 3), false},
  };
  for (const Child& c : children) {
    v1::ForecastChild* fc = sheffield->add_children();
    fc->set_child(std::string("authorities/sheffield/children/") + c.id);
    fc->set_days_since_order(c.days);
    if (c.latest.has_value()) *fc->mutable_latest_match_date() = *c.latest;
    fc->set_pulls_over(c.over);
  }
  v1::AuthorityForecast* rotherham = forecast.add_authorities();
  rotherham->set_authority("authorities/rotherham");
  rotherham->set_court_median_days(70);
  for (int i = 0; i < 2; ++i) {
    v1::ForecastWindow* w = rotherham->add_windows();
    *w->mutable_start() = Day(2015 + i, 4, 1);
    *w->mutable_end() = Day(2018 + i, 3, 31);
    AddIndicator(w->mutable_indicators(), "A1", "a1_care_to_placement_days",
                 "Average days from entering care to moving in (forecast)",
                 "days", 401 + 5 * i, 17, 426);
    AddIndicator(w->mutable_indicators(), "A2", "a2_order_to_match_days",
                 "Average days from the placement order to the match decision "
                 "(forecast)",
                 "days", 110 + 3 * i, 15, 121);
  }
  return forecast;
}

ReportHtmlInput FixtureReport(const std::string& title) {
  ReportHtmlInput input;
  input.title = title;
  input.generated_on = "2017-04-02";
  input.scorecard = FixtureConsortiumScorecard();
  input.waiting = FixtureWaitingReport();
  input.forecast = FixtureForecast();
  return input;
}

}  // namespace raa::testing
