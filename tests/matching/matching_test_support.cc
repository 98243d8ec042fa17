#include "tests/matching/matching_test_support.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace raa::test {
namespace {

using ::testing::StartsWith;

}  // namespace

v1::Child ChildProfile(const std::vector<int>& ages_months) {
  v1::Child child;
  for (int age : ages_months) {
    v1::ChildMember* member = child.add_members();
    member->set_age_months(age);
    member->set_sex(v1::SEX_MALE);
    v1::Need* need = member->add_needs();
    need->set_category(v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
    need->set_level(v1::NEED_LEVEL_MILD);
    member->set_heritage(v1::HERITAGE_WHITE_BRITISH);
    member->set_religion(v1::RELIGION_NO_RELIGION);
    member->set_first_language("en");
  }
  child.set_must_be_placed_together(ages_months.size() > 1);
  *child.mutable_ages_as_of() = MakeDate(2026, 11, 1);
  child.set_contact_plan(v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  child.set_summary(ages_months.size() > 1
                        ? "Brothers who are close and love the park"
                        : "A boy who loves the park and building dens");
  v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = MakeDate(2025, 1, 10);
  *journey->mutable_plan_for_adoption() = MakeDate(2025, 6, 2);
  *journey->mutable_shobpa_decision() = MakeDate(2025, 8, 4);
  return child;
}

v1::Adopter ApprovedHousehold(int approved_for, int min_age_months,
                              int max_age_months) {
  v1::Adopter adopter;
  adopter.set_status(v1::ADOPTER_STATUS_APPROVED);
  *adopter.mutable_registered_interest_on() = MakeDate(2025, 1, 6);
  *adopter.mutable_applied_on() = MakeDate(2025, 3, 3);
  *adopter.mutable_approved_on() = MakeDate(2025, 9, 1);
  adopter.set_approved_for(approved_for);
  adopter.set_min_age_months(min_age_months);
  adopter.set_max_age_months(max_age_months);
  adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  v1::NeedLimit* limit = adopter.add_need_limits();
  limit->set_category(v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
  limit->set_max_level(v1::NEED_LEVEL_SEVERE);
  adopter.add_heritage(v1::HERITAGE_WHITE_BRITISH);
  adopter.set_religion(v1::RELIGION_CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region("south-yorkshire");
  adopter.set_max_contact(v1::CONTACT_PLAN_DIRECT);
  adopter.set_fast_track(v1::FAST_TRACK_NONE);
  return adopter;
}

int64_t RowIdOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[3].size() < 2) return -1;
  int64_t row = -1;
  if (!absl::SimpleAtoi(parts[3].substr(1), &row)) return -1;
  return row;
}

const std::vector<std::string>& ComponentIds() {
  static const auto* const kIds = new std::vector<std::string>{
      "needs_margin",     "age_fit", "capacity_fit", "waiting",
      "early_permanence", "contact", "identity",     "locality"};
  return *kIds;
}

const std::vector<std::string>& ConstraintIds() {
  static const auto* const kIds =
      new std::vector<std::string>{"not_available",
                                   "authority_withdrawn",
                                   "capacity",
                                   "age_range",
                                   "needs",
                                   "sex_preference",
                                   "child_excluded_region",
                                   "household_excluded_region",
                                   "hidden_from_authority",
                                   "link_limit"};
  return *kIds;
}

const std::vector<int>& DefaultWeights() {
  static const auto* const kWeights =
      new std::vector<int>{20, 15, 20, 15, 10, 10, 5, 5};
  return *kWeights;
}

void ExpectExplainedComponents(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    int score, const std::vector<int>& weights) {
  ASSERT_EQ(components.size(), static_cast<int>(ComponentIds().size()));
  int points = 0;
  for (int i = 0; i < components.size(); ++i) {
    const v1::ScoreComponent& c = components[i];
    EXPECT_EQ(c.component(), ComponentIds()[i]);
    EXPECT_EQ(c.weight(), weights[i]) << c.component();
    EXPECT_GE(c.fit_permille(), 0) << c.component();
    EXPECT_LE(c.fit_permille(), 1000) << c.component();
    EXPECT_FALSE(c.reason().empty()) << c.component() << " has no reason";
    points += c.points_tenths();
  }
  // Each contribution is rounded to a tenth and the score to a point.
  EXPECT_NEAR(points, 10 * score, 10) << "points do not add up to the score";
  EXPECT_GE(score, 0);
  EXPECT_LE(score, 100);
}

std::string FirstFailedConstraint(const v1::PairExplanation& explanation) {
  for (const v1::ConstraintCheck& c : explanation.constraints()) {
    if (!c.passed()) return c.constraint();
  }
  return "";
}

// ---------------- AlertStream ----------------

AlertStream::AlertStream(MatchingStub& stub, absl::string_view key,
                         const v1::WatchMatchesRequest& request) {
  // A safety net only: tests end their streams themselves.
  context_.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(5));
  if (!key.empty()) {
    context_.AddMetadata("authorization", "Bearer " + std::string(key));
  }
  reader_ = stub.WatchMatches(&context_, request);
  reader_thread_ = std::thread([this] { ReadLoop(); });
}

AlertStream::~AlertStream() {
  context_.TryCancel();
  reader_thread_.join();
}

void AlertStream::ReadLoop() {
  v1::MatchAlert alert;
  while (reader_->Read(&alert)) {
    absl::MutexLock lock(&mu_);
    alerts_.push_back(alert);
  }
  grpc::Status status = reader_->Finish();
  absl::MutexLock lock(&mu_);
  status_ = status;
  ended_ = true;
}

bool AlertStream::ReadUntil(
    const std::function<bool(const v1::MatchAlert&)>& stop,
    absl::Duration timeout, std::vector<v1::MatchAlert>* before,
    v1::MatchAlert* stopped_at) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (true) {
    while (!alerts_.empty()) {
      v1::MatchAlert alert = std::move(alerts_.front());
      alerts_.pop_front();
      if (stop(alert)) {
        if (stopped_at != nullptr) *stopped_at = std::move(alert);
        return true;
      }
      before->push_back(std::move(alert));
    }
    if (ended_) return false;
    if (!mu_.AwaitWithDeadline(absl::Condition(this, &AlertStream::HasNews),
                               deadline)) {
      if (alerts_.empty()) return false;
    }
  }
}

grpc::Status AlertStream::Finish(absl::Duration timeout,
                                 std::vector<v1::MatchAlert>* unread) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &AlertStream::Ended), timeout);
  if (unread != nullptr) {
    unread->insert(unread->end(), alerts_.begin(), alerts_.end());
  }
  alerts_.clear();
  if (!ended_) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "the stream did not end");
  }
  return status_;
}

// ---------------- MatchingServerTest ----------------

void MatchingServerTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  manager_ = server_->bootstrap_key();
  ASSERT_THAT(manager_, StartsWith("raa_"));
}

void MatchingServerTest::TearDown() { StopServer(); }

void MatchingServerTest::StartServer() {
  ServerOptions options;
  options.db_path = dir_.File("raamatch.db");
  options.listen = "127.0.0.1:0";
  options.clock = &clock_;
  options.worker_threads = 2;
  absl::StatusOr<std::unique_ptr<RaaServer>> server = RaaServer::Start(options);
  ASSERT_THAT(server.status(), IsOk());
  server_ = std::move(*server);
  channel_ = grpc::CreateChannel(server_->address(),
                                 grpc::InsecureChannelCredentials());
  registry_ = v1::RegistryService::NewStub(channel_);
  access_ = v1::AccessService::NewStub(channel_);
  matching_ = v1::MatchingService::NewStub(channel_);
}

void MatchingServerTest::StopServer() {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::Seconds(5));
  server_.reset();
  matching_.reset();
  access_.reset();
  registry_.reset();
  channel_.reset();
}

std::string MatchingServerTest::NextRequestId() {
  return absl::StrCat("req-", ++requests_);
}

void MatchingServerTest::AddMember(const std::string& id,
                                   absl::string_view region,
                                   v1::AuthorityKind kind) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id(id);
  *request.mutable_authority() = ValidAuthority(id + " council", region);
  request.mutable_authority()->set_kind(kind);
  request.set_request_id(NextRequestId());
  v1::Authority created;
  EXPECT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
              IsOk())
      << id;
}

std::string MatchingServerTest::NewKey(const std::string& authority,
                                       const std::vector<v1::Role>& roles) {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/" + authority);
  for (v1::Role r : roles) request.mutable_api_key()->add_roles(r);
  request.mutable_api_key()->set_display_name(authority + " test key");
  request.set_request_id(NextRequestId());
  v1::CreateApiKeyResponse response;
  EXPECT_THAT(
      Call(*access_, &AccessStub::CreateApiKey, manager_, request, &response),
      IsOk());
  return response.secret();
}

v1::Child MatchingServerTest::AddChild(absl::string_view key,
                                       absl::string_view authority,
                                       const v1::Child& child) {
  v1::CreateChildRequest request;
  request.set_parent(absl::StrCat("authorities/", authority));
  *request.mutable_child() = child;
  request.set_request_id(NextRequestId());
  v1::Child created;
  EXPECT_THAT(Reg(&RegistryStub::CreateChild, key, request, &created), IsOk());
  return created;
}

v1::Adopter MatchingServerTest::AddAdopter(absl::string_view key,
                                           absl::string_view authority,
                                           const v1::Adopter& adopter) {
  v1::CreateAdopterRequest request;
  request.set_parent(absl::StrCat("authorities/", authority));
  *request.mutable_adopter() = adopter;
  request.set_request_id(NextRequestId());
  v1::Adopter created;
  EXPECT_THAT(Reg(&RegistryStub::CreateAdopter, key, request, &created),
              IsOk());
  return created;
}

v1::Child MatchingServerTest::UpdateChild(
    absl::string_view key, const v1::Child& changed,
    const std::vector<std::string>& paths) {
  v1::UpdateChildRequest request;
  *request.mutable_child() = changed;
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
    // A status change needs a reason.
    if (p == "status") request.set_status_reason("test: the plan moved on");
  }
  request.set_request_id(NextRequestId());
  v1::Child updated;
  EXPECT_THAT(Reg(&RegistryStub::UpdateChild, key, request, &updated), IsOk())
      << changed.name();
  return updated;
}

v1::Adopter MatchingServerTest::UpdateAdopter(
    absl::string_view key, const v1::Adopter& changed,
    const std::vector<std::string>& paths) {
  v1::UpdateAdopterRequest request;
  *request.mutable_adopter() = changed;
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
    // A status change needs a reason.
    if (p == "status") request.set_status_reason("test: the plan moved on");
  }
  request.set_request_id(NextRequestId());
  v1::Adopter updated;
  EXPECT_THAT(Reg(&RegistryStub::UpdateAdopter, key, request, &updated), IsOk())
      << changed.name();
  return updated;
}

void MatchingServerTest::WithdrawChild(absl::string_view key,
                                       const std::string& name) {
  v1::WithdrawChildRequest request;
  request.set_name(name);
  request.set_reason("placed with a relative");
  request.set_request_id(NextRequestId());
  v1::Child withdrawn;
  EXPECT_THAT(Reg(&RegistryStub::WithdrawChild, key, request, &withdrawn),
              IsOk())
      << name;
}

void MatchingServerTest::WithdrawAdopter(absl::string_view key,
                                         const std::string& name) {
  v1::WithdrawAdopterRequest request;
  request.set_name(name);
  request.set_reason("moved away from the region");
  request.set_request_id(NextRequestId());
  v1::Adopter withdrawn;
  EXPECT_THAT(Reg(&RegistryStub::WithdrawAdopter, key, request, &withdrawn),
              IsOk())
      << name;
}

void MatchingServerTest::WithdrawAuthority(const std::string& id) {
  v1::WithdrawAuthorityRequest request;
  request.set_name("authorities/" + id);
  request.set_request_id(NextRequestId());
  v1::Authority withdrawn;
  EXPECT_THAT(
      Reg(&RegistryStub::WithdrawAuthority, manager_, request, &withdrawn),
      IsOk())
      << id;
}

grpc::Status MatchingServerTest::RankAdopters(
    absl::string_view key, const std::string& child,
    v1::RankAdoptersResponse* response, int page_size, int min_score) {
  v1::RankAdoptersRequest request;
  request.set_child(child);
  request.set_page_size(page_size);
  request.set_min_score(min_score);
  return Match(&MatchingStub::RankAdopters, key, request, response);
}

grpc::Status MatchingServerTest::RankChildren(
    absl::string_view key, const std::string& adopter,
    v1::RankChildrenResponse* response, int page_size, int min_score) {
  v1::RankChildrenRequest request;
  request.set_adopter(adopter);
  request.set_page_size(page_size);
  request.set_min_score(min_score);
  return Match(&MatchingStub::RankChildren, key, request, response);
}

grpc::Status MatchingServerTest::ExplainPair(absl::string_view key,
                                             const std::string& child,
                                             const std::string& adopter,
                                             v1::PairExplanation* explanation) {
  v1::ExplainPairRequest request;
  request.set_child(child);
  request.set_adopter(adopter);
  return Match(&MatchingStub::ExplainPair, key, request, explanation);
}

v1::MatchingPolicy MatchingServerTest::GetPolicy(absl::string_view key) {
  v1::MatchingPolicy policy;
  EXPECT_THAT(Match(&MatchingStub::GetMatchingPolicy, key,
                    v1::GetMatchingPolicyRequest(), &policy),
              IsOk());
  return policy;
}

std::vector<std::string> MatchingServerTest::AdopterNamesOf(
    const v1::RankAdoptersResponse& response) {
  std::vector<std::string> names;
  for (const v1::RankedAdopter& a : response.adopters()) {
    names.push_back(a.adopter());
  }
  return names;
}

std::vector<std::string> MatchingServerTest::ChildNamesOf(
    const v1::RankChildrenResponse& response) {
  std::vector<std::string> names;
  for (const v1::RankedChild& c : response.children()) {
    names.push_back(c.child());
  }
  return names;
}

}  // namespace raa::test
