// Least privilege and the audit trail, through a real server in this process
// over a SQLite file in a scratch directory:
// - the whole role × RPC matrix, generated from the services' descriptors, so
//   a new RPC without a decision fails here;
// - finance reads no child or household; a withdrawn member's keys read only
//   their own records and change nothing; only the owner sees hidden_from;
// - every read of a child or household, every ranking's results, every
//   explanation and every write is in the audit trail, which a manager
//   queries by record, key, member and time, page by page; it survives a
//   restart and is pruned after the retention period.
#include <SQLiteCpp/Database.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "raa/v1/report.grpc.pb.h"
#include "services/auth/access_policy.h"
#include "services/server/server.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/in_process_server.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::Call;
using ::raa::test::IsOk;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;
using ::raa::test::TestNow;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using MatchingStub = v1::MatchingService::Stub;
using google::protobuf::util::TimeUtil;

constexpr const char* kServices[] = {
    "raa.v1.RegistryService", "raa.v1.AccessService", "raa.v1.MatchingService",
    "raa.v1.JourneyService",  "raa.v1.ReportService", "raa.v1.LedgerService"};

// The decision, written out once more by hand: which roles may call each RPC
// at all. The server's table (services/auth/access_policy.cc) must agree, and
// every RPC the services declare must be here.
const std::map<std::string, std::set<v1::Role>>& ExpectedRoles() {
  using enum v1::Role;
  static const auto* const expected = new std::map<std::string,
                                                   std::set<v1::Role>>{
      {"/raa.v1.RegistryService/CreateAuthority", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/GetAuthority",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/ListAuthorities",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/UpdateAuthority", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/GetWithdrawalImpact", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/WithdrawAuthority", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/ReinstateAuthority", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/CreateChild", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/BatchCreateChildren", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/GetChild",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/ListChildren",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/UpdateChild", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/WithdrawChild", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/CreateAdopter", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/BatchCreateAdopters", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/GetAdopter",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/ListAdopters",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/UpdateAdopter", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/WithdrawAdopter", {ROLE_REGISTRAR}},
      {"/raa.v1.RegistryService/ListRegions",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.RegistryService/CreateRegion", {ROLE_MANAGER}},
      {"/raa.v1.RegistryService/CheckRegions",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.AccessService/CreateApiKey", {ROLE_MANAGER}},
      {"/raa.v1.AccessService/ListApiKeys",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.AccessService/RevokeApiKey", {ROLE_MANAGER}},
      {"/raa.v1.AccessService/QueryAuditLog", {ROLE_MANAGER}},
      {"/raa.v1.MatchingService/RankAdopters",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/RankChildren",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/ExplainPair",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/CreateFollow",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/GetFollow",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/ListFollows",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/DeleteFollow",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/ListAlerts",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/RecordMilestone",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/ListMilestones",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/RecordTrackingReview",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/ListTrackingReviews",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/ListOverdue",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/GetTimescales",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/UpdateTimescales", {ROLE_MANAGER}},
      {"/raa.v1.MatchingService/WatchMatches",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/GetMatchingPolicy",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.MatchingService/UpdateMatchingPolicy", {ROLE_MANAGER}},
      {"/raa.v1.MatchingService/GetReasonCatalog",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/OpenLink", {ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/AdvanceLink",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/CloseLink",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/CorrectStep",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/GetLink",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.JourneyService/ListLinks",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_MANAGER}},
      {"/raa.v1.ReportService/GetScorecard",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.ReportService/GetWaitingReport",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.ReportService/GetForecast",
       {ROLE_REGISTRAR, ROLE_FAMILY_FINDER, ROLE_FINANCE, ROLE_MANAGER}},
      // The ledger: finance officers and managers only.
      {"/raa.v1.LedgerService/GetFeeSchedule", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/ListFeeSchedules", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/AddFeeSchedule", {ROLE_MANAGER}},
      {"/raa.v1.LedgerService/ListEntries", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/GetBalances", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/GetStatement", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/GetSalesAndPurchases",
       {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/RecordPayment", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/ConfirmPayment", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/RejectPayment", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/ListPayments", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/Reconcile", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/PlanSettlement", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/SetBudget", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/GetBudget", {ROLE_FINANCE, ROLE_MANAGER}},
      {"/raa.v1.LedgerService/CloseMonth", {ROLE_MANAGER}},
  };
  return *expected;
}

// Every method of the services, as "/package.Service/Method".
std::vector<const google::protobuf::MethodDescriptor*> EveryMethod() {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const char* name : kServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(service->method(i));
    }
  }
  return methods;
}

std::string FullName(const google::protobuf::MethodDescriptor& m) {
  return absl::StrCat("/", m.service()->full_name(), "/", m.name());
}

// Calls any method, unary or streaming, with `request` as raw bytes, reads
// what comes back, and returns the final status.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& key,
                     const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + key);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  void* tag = nullptr;
  bool ok = false;
  auto next = [&] { EXPECT_TRUE(queue.Next(&tag, &ok)); };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &queue);
  call->StartCall(nullptr);
  next();
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  call->Write(buffer, nullptr);
  next();
  call->WritesDone(nullptr);
  next();
  grpc::ByteBuffer reply;
  do {
    call->Read(&reply, nullptr);
    next();
  } while (ok);
  grpc::Status status;
  call->Finish(&status, nullptr);
  next();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

class AccessTest : public test::InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    hub_ = manager_;
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    registrar_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
    finder_ = NewKey("sheffield", {v1::ROLE_FAMILY_FINDER});
    finance_ = NewKey("sheffield", {v1::ROLE_FINANCE});
    sheffield_manager_ = NewKey("sheffield", {v1::ROLE_MANAGER});
    leeds_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
  }

  void Configure(ServerOptions& options) override {
    options.audit_retention_days = retention_days_;
  }

  void Restart() { ASSERT_NO_FATAL_FAILURE(RestartServer()); }

  template <typename Stub, typename Request, typename Response>
  grpc::Status Do(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const std::string& key, const Request& request,
                  Response* response) {
    return Call(stub, method, key, request, response);
  }

  static std::string KeyId(const std::string& secret) {
    return secret.substr(4, 16);
  }

  v1::Child AddChild(const std::string& key, const std::string& authority,
                     v1::Child child = ValidChild()) {
    v1::CreateChildRequest request;
    request.set_parent("authorities/" + authority);
    *request.mutable_child() = std::move(child);
    request.set_request_id(NextRequestId());
    v1::Child created;
    EXPECT_THAT(
        Do(*registry_, &RegistryStub::CreateChild, key, request, &created),
        IsOk());
    return created;
  }

  // A household that fits ValidChild (a boy of 7 with a moderate learning
  // disability).
  static v1::Adopter FittingAdopter() {
    v1::Adopter adopter = ValidAdopter();
    adopter.set_max_age_months(120);
    adopter.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_MODERATE);
    return adopter;
  }

  v1::Adopter AddAdopter(const std::string& key, const std::string& authority,
                         v1::Adopter adopter = FittingAdopter()) {
    v1::CreateAdopterRequest request;
    request.set_parent("authorities/" + authority);
    *request.mutable_adopter() = std::move(adopter);
    request.set_request_id(NextRequestId());
    v1::Adopter created;
    EXPECT_THAT(
        Do(*registry_, &RegistryStub::CreateAdopter, key, request, &created),
        IsOk());
    return created;
  }

  grpc::Status GetChild(const std::string& key, const std::string& name,
                        v1::Child* out) {
    v1::GetChildRequest request;
    request.set_name(name);
    return Do(*registry_, &RegistryStub::GetChild, key, request, out);
  }

  grpc::Status ListChildren(const std::string& key, const std::string& parent,
                            v1::ListChildrenResponse* out) {
    v1::ListChildrenRequest request;
    request.set_parent(parent);
    return Do(*registry_, &RegistryStub::ListChildren, key, request, out);
  }

  grpc::Status Audit(const std::string& key,
                     const v1::QueryAuditLogRequest& request,
                     v1::QueryAuditLogResponse* out) {
    return Do(*access_, &AccessStub::QueryAuditLog, key, request, out);
  }

  // The hub's view of the trail for one record, newest first.
  std::vector<v1::AuditEvent> EventsFor(const std::string& record) {
    v1::QueryAuditLogRequest request;
    request.set_record(record);
    request.set_page_size(1000);
    v1::QueryAuditLogResponse response;
    EXPECT_THAT(Audit(hub_, request, &response), IsOk());
    return {response.events().begin(), response.events().end()};
  }

  static std::vector<std::string> Methods(
      const std::vector<v1::AuditEvent>& events) {
    std::vector<std::string> out;
    for (const v1::AuditEvent& e : events) out.push_back(e.method());
    return out;
  }

  int retention_days_ = 2190;
  std::string hub_;  // the bootstrap manager key of the hub (manager_)
  // Sheffield's.
  std::string registrar_, finder_, finance_, sheffield_manager_;
  std::string leeds_;  // Leeds' registrar
};

// ---------------- least privilege ----------------

TEST_F(AccessTest, EveryRpcOfEveryServiceHasOneAccessRule) {
  std::set<std::string> declared;
  for (const auto* method : EveryMethod()) {
    std::string name = FullName(*method);
    declared.insert(name);
    EXPECT_NE(FindMethodRule(name), nullptr)
        << name << " has no rule in services/auth/access_policy.cc";
    EXPECT_TRUE(ExpectedRoles().contains(name))
        << name << " has no row in this test's matrix: decide who needs it";
  }
  std::set<std::string> ruled;
  for (const MethodRule& rule : MethodRules()) {
    EXPECT_TRUE(ruled.insert(std::string(rule.method)).second)
        << rule.method << " has two rules";
  }
  EXPECT_EQ(ruled, declared) << "a rule for an RPC that does not exist";
}

TEST_F(AccessTest, EveryRoleMayCallExactlyTheRpcsItNeeds) {
  // Each role alone, on a member's key; every RPC called with an empty
  // request (which changes nothing): a role that may not call it gets
  // PERMISSION_DENIED, any other answer means it got past the gate.
  const std::map<v1::Role, std::string> keys = {
      {v1::ROLE_REGISTRAR, registrar_},
      {v1::ROLE_FAMILY_FINDER, finder_},
      {v1::ROLE_FINANCE, finance_},
      {v1::ROLE_MANAGER, sheffield_manager_}};
  int checked = 0;
  for (const auto* method : EveryMethod()) {
    const std::string name = FullName(*method);
    auto expected = ExpectedRoles().find(name);
    if (expected == ExpectedRoles().end()) {
      ADD_FAILURE() << name << " has no row in the matrix";
      continue;
    }
    for (const auto& [role, key] : keys) {
      grpc::Status status = CallRaw(channel_, name, key, "");
      const bool allowed = expected->second.contains(role);
      EXPECT_EQ(status.error_code() != Code::PERMISSION_DENIED, allowed)
          << v1::Role_Name(role) << " calling " << name << ": "
          << status.error_code() << " " << status.error_message();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 * static_cast<int>(ExpectedRoles().size()));
}

// Sets the string at dotted `field` of `request` (singular messages on the
// way), or adds it if the field is repeated.
void SetScopeField(google::protobuf::Message& request, absl::string_view field,
                   const std::string& value) {
  google::protobuf::Message* m = &request;
  std::vector<std::string> parts = absl::StrSplit(field, '.');
  const google::protobuf::FieldDescriptor* f = nullptr;
  for (size_t i = 0; i < parts.size(); ++i) {
    f = m->GetDescriptor()->FindFieldByName(parts[i]);
    ASSERT_NE(f, nullptr) << field;
    if (i + 1 < parts.size()) m = m->GetReflection()->MutableMessage(m, f);
  }
  if (f->is_repeated()) {
    m->GetReflection()->AddString(m, f, value);
  } else {
    m->GetReflection()->SetString(m, f, value);
  }
}

// Stop 41's probe: "authorities/-" on a ledger call was PERMISSION_DENIED
// for a finance officer and INVALID_ARGUMENT for a manager. Where a call
// takes no wildcard it is malformed, for every caller, at the gate; where
// one does, it passes the gate for a caller who may name any member.
TEST_F(AccessTest, TheWildcardIsAMalformedNameWhereACallTakesNone) {
  Caller finance;
  finance.authority_id = "sheffield";
  finance.roles = 1u << v1::ROLE_FINANCE;
  Caller everything = finance;
  for (v1::Role role :
       {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER}) {
    everything.roles |= 1u << role;
  }
  google::protobuf::DynamicMessageFactory factory;
  int refused = 0;
  std::vector<std::string> taken;
  for (const auto* method : EveryMethod()) {
    const MethodRule* rule = FindMethodRule(FullName(*method));
    ASSERT_NE(rule, nullptr);
    for (absl::string_view field : rule->scope_fields) {
      if (field.empty()) continue;
      for (const char* wildcard :
           {"authorities/-", "authorities/-/children/c1"}) {
        std::unique_ptr<google::protobuf::Message> request(
            factory.GetPrototype(method->input_type())->New());
        ASSERT_NO_FATAL_FAILURE(SetScopeField(*request, field, wildcard));
        for (const Caller* caller : {&finance, &everything}) {
          if (!MayCall(*caller, *rule).ok()) continue;
          absl::Status status = CheckCall(*caller, rule, *request);
          if (rule->wildcard == Wildcard::kNone) {
            EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
                << FullName(*method) << " " << field << ": " << status;
            EXPECT_THAT(test::ViolationFields(status), ElementsAre(field));
            ++refused;
          } else if (caller == &everything) {
            EXPECT_THAT(status, IsOk()) << FullName(*method);
            taken.push_back(std::string(method->name()));
          }
        }
      }
    }
  }
  // Every ledger call naming a member, for its finance officer too.
  EXPECT_GT(refused, 80);
  EXPECT_THAT(
      taken, UnorderedElementsAre(
                 "ListChildren", "ListChildren", "ListAdopters", "ListAdopters",
                 "GetScorecard", "GetScorecard", "GetWaitingReport",
                 "GetWaitingReport", "GetForecast", "GetForecast"));
}

// Every scope field of every rule that holds a name starting as a member's
// with no id after it is refused by the gate itself (INVALID_ARGUMENT naming
// the field), whatever the caller's roles: no handler is trusted to refuse
// it.
TEST_F(AccessTest, EveryScopeFieldRefusesANameWithoutAnIdAtTheGate) {
  Caller caller;
  caller.authority_id = "sheffield";
  for (v1::Role role : {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER,
                        v1::ROLE_FINANCE, v1::ROLE_MANAGER}) {
    caller.roles |= 1u << role;
  }
  google::protobuf::DynamicMessageFactory factory;
  int checked = 0;
  for (const auto* method : EveryMethod()) {
    const MethodRule* rule = FindMethodRule(FullName(*method));
    ASSERT_NE(rule, nullptr);
    for (absl::string_view field : rule->scope_fields) {
      if (field.empty()) continue;
      for (const char* bad :
           {"authorities/LEEDS", "authorities/../hub", "authorities/"}) {
        std::unique_ptr<google::protobuf::Message> request(
            factory.GetPrototype(method->input_type())->New());
        ASSERT_NO_FATAL_FAILURE(SetScopeField(*request, field, bad))
            << FullName(*method);
        absl::Status status = CheckCall(caller, rule, *request);
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
            << FullName(*method) << " " << field << " = " << bad << ": "
            << status;
        EXPECT_THAT(test::ViolationFields(status), ElementsAre(field))
            << FullName(*method);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(AccessTest, AFinanceKeyCannotReadAnyChildOrHousehold) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::Adopter adopter = AddAdopter(registrar_, "sheffield");

  v1::ListChildrenResponse children;
  EXPECT_THAT(ListChildren(finance_, "authorities/-", &children),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(ListChildren(finance_, "authorities/sheffield", &children),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(children.children(), IsEmpty());
  v1::Child read;
  EXPECT_THAT(GetChild(finance_, child.name(), &read),
              StatusIs(Code::PERMISSION_DENIED));
  v1::ListAdoptersRequest list_adopters;
  list_adopters.set_parent("authorities/-");
  v1::ListAdoptersResponse adopters;
  EXPECT_THAT(Do(*registry_, &RegistryStub::ListAdopters, finance_,
                 list_adopters, &adopters),
              StatusIs(Code::PERMISSION_DENIED));
  v1::GetAdopterRequest get_adopter;
  get_adopter.set_name(adopter.name());
  v1::Adopter household;
  EXPECT_THAT(Do(*registry_, &RegistryStub::GetAdopter, finance_, get_adopter,
                 &household),
              StatusIs(Code::PERMISSION_DENIED));
  v1::RankAdoptersRequest rank;
  rank.set_child(child.name());
  v1::RankAdoptersResponse ranked;
  EXPECT_THAT(
      Do(*matching_, &MatchingStub::RankAdopters, finance_, rank, &ranked),
      StatusIs(Code::PERMISSION_DENIED));
  // What finance needs: the members.
  v1::ListAuthoritiesResponse members;
  EXPECT_THAT(Do(*registry_, &RegistryStub::ListAuthorities, finance_,
                 v1::ListAuthoritiesRequest(), &members),
              IsOk());
  EXPECT_THAT(members.authorities(), SizeIs(3));
}

TEST_F(AccessTest, ARegistrarChangesOnlyItsOwnMembersRecords) {
  v1::Child theirs = AddChild(leeds_, "leeds");
  v1::CreateChildRequest create;
  create.set_parent("authorities/leeds");
  *create.mutable_child() = ValidChild();
  create.set_request_id(NextRequestId());
  v1::Child created;
  EXPECT_THAT(
      Do(*registry_, &RegistryStub::CreateChild, registrar_, create, &created),
      StatusIs(Code::PERMISSION_DENIED));
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(theirs.name());
  withdraw.set_reason("placed elsewhere");
  withdraw.set_request_id(NextRequestId());
  EXPECT_THAT(Do(*registry_, &RegistryStub::WithdrawChild, registrar_, withdraw,
                 &created),
              StatusIs(Code::PERMISSION_DENIED));
  // A family finder's refusal names its key, not a registrar it is not.
  v1::RecordMilestoneRequest milestone;
  milestone.set_record(theirs.name());
  milestone.set_kind(v1::MILESTONE_KIND_INITIAL_PACK_SENT);
  *milestone.mutable_date() = test::MakeDate(2026, 10, 1);
  milestone.set_request_id(NextRequestId());
  v1::Milestone recorded;
  grpc::Status refused = Do(*journey_, &test::JourneyStub::RecordMilestone,
                            finder_, milestone, &recorded);
  EXPECT_EQ(refused.error_code(), Code::PERMISSION_DENIED);
  EXPECT_EQ(refused.error_message(),
            "a key of sheffield may change only sheffield's records, not "
            "leeds's");
  v1::ListChildrenResponse leeds_children;
  ASSERT_THAT(ListChildren(leeds_, "authorities/leeds", &leeds_children),
              IsOk());
  ASSERT_THAT(leeds_children.children(), SizeIs(1));
  EXPECT_EQ(leeds_children.children(0).status(), v1::CHILD_STATUS_WAITING);
}

TEST_F(AccessTest, OnlyTheOwningMemberSeesWhoAProfileIsHiddenFrom) {
  v1::Child child = ValidChild();
  child.add_hidden_from("leeds");
  child = AddChild(registrar_, "sheffield", child);
  ASSERT_THAT(child.hidden_from(), ElementsAre("leeds"));

  v1::Child read;
  ASSERT_THAT(GetChild(registrar_, child.name(), &read), IsOk());
  EXPECT_THAT(read.hidden_from(), ElementsAre("leeds"));
  // The hub's finder may see the profile, not where the birth family is.
  std::string hub_finder = NewKey("hub", {v1::ROLE_FAMILY_FINDER});
  ASSERT_THAT(GetChild(hub_finder, child.name(), &read), IsOk());
  EXPECT_THAT(read.hidden_from(), IsEmpty());
  v1::ListChildrenResponse listed;
  ASSERT_THAT(ListChildren(hub_finder, "authorities/-", &listed), IsOk());
  ASSERT_THAT(listed.children(), SizeIs(1));
  EXPECT_THAT(listed.children(0).hidden_from(), IsEmpty());
  // And Leeds cannot see it at all.
  EXPECT_THAT(GetChild(leeds_, child.name(), &read), StatusIs(Code::NOT_FOUND));
}

TEST_F(AccessTest, AWithdrawnMembersKeysReadOnlyItsOwnRecordsAndChangeNothing) {
  AddMember("doncaster", "south-yorkshire");
  std::string manager = NewKey("doncaster", {v1::ROLE_MANAGER});
  std::string registrar =
      NewKey("doncaster", {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER});
  v1::Child own = AddChild(registrar, "doncaster");
  v1::Child other = AddChild(registrar_, "sheffield");
  // Both keys have been used (and so are cached) before the withdrawal.
  v1::ListApiKeysResponse keys;
  ASSERT_THAT(Do(*access_, &AccessStub::ListApiKeys, manager,
                 v1::ListApiKeysRequest(), &keys),
              IsOk());
  EXPECT_GT(keys.api_keys_size(), 2);  // a manager sees every member's keys

  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/doncaster");
  withdraw.set_request_id(NextRequestId());
  v1::Authority withdrawn;
  ASSERT_THAT(Do(*registry_, &RegistryStub::WithdrawAuthority, hub_, withdraw,
                 &withdrawn),
              IsOk());

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "at once" : "after a restart");
    // No key issuing, no revoking, no policy change, no new member.
    v1::CreateApiKeyRequest create_key;
    create_key.mutable_api_key()->set_authority("authorities/sheffield");
    create_key.mutable_api_key()->add_roles(v1::ROLE_MANAGER);
    create_key.set_request_id(NextRequestId());
    v1::CreateApiKeyResponse issued;
    EXPECT_THAT(
        Do(*access_, &AccessStub::CreateApiKey, manager, create_key, &issued),
        StatusIs(Code::PERMISSION_DENIED));
    v1::RevokeApiKeyRequest revoke;
    revoke.set_name("apiKeys/" + KeyId(registrar_));
    revoke.set_request_id(NextRequestId());
    v1::ApiKey revoked;
    EXPECT_THAT(
        Do(*access_, &AccessStub::RevokeApiKey, manager, revoke, &revoked),
        StatusIs(Code::PERMISSION_DENIED));
    v1::UpdateMatchingPolicyRequest policy;
    auto* weight = policy.mutable_policy()->add_weights();
    weight->set_component("identity");
    weight->set_weight(40);
    policy.set_request_id(NextRequestId());
    v1::MatchingPolicy updated;
    EXPECT_THAT(Do(*matching_, &MatchingStub::UpdateMatchingPolicy, manager,
                   policy, &updated),
                StatusIs(Code::PERMISSION_DENIED));
    v1::QueryAuditLogResponse trail;
    EXPECT_THAT(Audit(manager, v1::QueryAuditLogRequest(), &trail),
                StatusIs(Code::PERMISSION_DENIED));
    // No writes, not even to its own records.
    v1::UpdateChildRequest update;
    update.mutable_child()->set_name(own.name());
    update.mutable_child()->set_summary("Likes trains.");
    update.mutable_update_mask()->add_paths("summary");
    update.set_request_id(NextRequestId());
    v1::Child changed;
    EXPECT_THAT(
        Do(*registry_, &RegistryStub::UpdateChild, registrar, update, &changed),
        StatusIs(Code::PERMISSION_DENIED));
    // No searches, not even for its own child, and nothing of others'.
    v1::RankAdoptersRequest rank;
    rank.set_child(own.name());
    v1::RankAdoptersResponse ranked;
    EXPECT_THAT(
        Do(*matching_, &MatchingStub::RankAdopters, registrar, rank, &ranked),
        StatusIs(Code::PERMISSION_DENIED));
    v1::Child read;
    EXPECT_THAT(GetChild(registrar, other.name(), &read),
                StatusIs(Code::PERMISSION_DENIED));
    v1::ListChildrenResponse listed;
    EXPECT_THAT(ListChildren(registrar, "authorities/-", &listed),
                StatusIs(Code::PERMISSION_DENIED));
    v1::ListAuthoritiesResponse members;
    EXPECT_THAT(Do(*registry_, &RegistryStub::ListAuthorities, manager,
                   v1::ListAuthoritiesRequest(), &members),
                StatusIs(Code::PERMISSION_DENIED));
    // Its own records, yes.
    EXPECT_THAT(GetChild(registrar, own.name(), &read), IsOk());
    ASSERT_THAT(ListChildren(registrar, "authorities/doncaster", &listed),
                IsOk());
    EXPECT_THAT(listed.children(), SizeIs(1));
    v1::GetAuthorityRequest get_member;
    get_member.set_name("authorities/doncaster");
    v1::Authority member;
    EXPECT_THAT(Do(*registry_, &RegistryStub::GetAuthority, manager, get_member,
                   &member),
                IsOk());
    ASSERT_THAT(Do(*access_, &AccessStub::ListApiKeys, manager,
                   v1::ListApiKeysRequest(), &keys),
                IsOk());
    for (const v1::ApiKey& k : keys.api_keys()) {
      EXPECT_EQ(k.authority(), "authorities/doncaster");
    }
    ASSERT_NO_FATAL_FAILURE(Restart());
  }
}

// ---------------- the audit trail ----------------

TEST_F(AccessTest, TheAuditTrailRecordsWhoReadAChild) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::Child read;
  ASSERT_THAT(GetChild(finder_, child.name(), &read), IsOk());

  std::vector<v1::AuditEvent> events = EventsFor(child.name());
  ASSERT_THAT(events, SizeIs(2));  // the read, then the write before it
  const v1::AuditEvent& e = events[0];
  EXPECT_EQ(e.method(), "/raa.v1.RegistryService/GetChild");
  EXPECT_EQ(e.api_key(), "apiKeys/" + KeyId(finder_));
  EXPECT_EQ(e.authority(), "authorities/sheffield");
  EXPECT_EQ(e.status_code(), 0);
  EXPECT_THAT(e.records(), ElementsAre(child.name()));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(e.time()),
            absl::ToUnixMicros(clock_.Now()));
  EXPECT_EQ(events[1].method(), "/raa.v1.RegistryService/CreateChild");
  EXPECT_EQ(events[1].api_key(), "apiKeys/" + KeyId(registrar_));

  // A refused look is recorded too, with what was asked for.
  ASSERT_THAT(GetChild(finance_, child.name(), &read),
              StatusIs(Code::PERMISSION_DENIED));
  events = EventsFor(child.name());
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[0].api_key(), "apiKeys/" + KeyId(finance_));
  EXPECT_EQ(events[0].status_code(), static_cast<int>(Code::PERMISSION_DENIED));
}

// A read of a child's journey names the child, whatever the answer holds.
TEST_F(AccessTest, TheAuditTrailRecordsWhoReadAChildsJourney) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::ListMilestonesRequest milestones;
  milestones.set_record(child.name());
  v1::ListMilestonesResponse listed;
  ASSERT_THAT(Do(*journey_, &test::JourneyStub::ListMilestones, finder_,
                 milestones, &listed),
              IsOk());
  v1::ListTrackingReviewsRequest reviews;
  reviews.set_child(child.name());
  v1::ListTrackingReviewsResponse reviewed;
  ASSERT_THAT(Do(*journey_, &test::JourneyStub::ListTrackingReviews, finder_,
                 reviews, &reviewed),
              IsOk());
  std::vector<v1::AuditEvent> events = EventsFor(child.name());
  EXPECT_THAT(Methods(events),
              ElementsAre("/raa.v1.JourneyService/ListTrackingReviews",
                          "/raa.v1.JourneyService/ListMilestones",
                          "/raa.v1.RegistryService/CreateChild"));
  EXPECT_EQ(events[0].api_key(), "apiKeys/" + KeyId(finder_));

  // A field left unset, or a wildcard, is not a record read.
  v1::ListOverdueResponse overdue;
  ASSERT_THAT(Do(*journey_, &test::JourneyStub::ListOverdue, finder_,
                 v1::ListOverdueRequest(), &overdue),
              IsOk());
  v1::ListChildrenRequest everyone;
  everyone.set_parent("authorities/-");
  v1::ListChildrenResponse children;
  ASSERT_THAT(
      Do(*registry_, &RegistryStub::ListChildren, finder_, everyone, &children),
      IsOk());
  v1::QueryAuditLogRequest by_key;
  by_key.set_api_key("apiKeys/" + KeyId(finder_));
  v1::QueryAuditLogResponse trail;
  ASSERT_THAT(Audit(hub_, by_key, &trail), IsOk());
  ASSERT_THAT(trail.events(), SizeIs(4));
  EXPECT_EQ(trail.events(1).method(), "/raa.v1.JourneyService/ListOverdue");
  // The overdue list names the child (nothing is recorded for it yet); the
  // authority left unset is not a record.
  EXPECT_THAT(trail.events(1).records(), ElementsAre(child.name()));
  EXPECT_EQ(trail.events(0).method(), "/raa.v1.RegistryService/ListChildren");
  EXPECT_THAT(trail.events(0).records(), ElementsAre(child.name()));
}

TEST_F(AccessTest, TheAuditTrailRecordsEveryHouseholdARankingReturned) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::Adopter first = AddAdopter(registrar_, "sheffield");
  v1::Adopter second = AddAdopter(leeds_, "leeds");
  v1::RankAdoptersRequest rank;
  rank.set_child(child.name());
  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(
      Do(*matching_, &MatchingStub::RankAdopters, finder_, rank, &ranked),
      IsOk());
  ASSERT_THAT(ranked.adopters(), SizeIs(2));

  for (const v1::Adopter& a : {first, second}) {
    std::vector<v1::AuditEvent> events = EventsFor(a.name());
    ASSERT_THAT(events, Not(IsEmpty())) << a.name();
    EXPECT_EQ(events[0].method(), "/raa.v1.MatchingService/RankAdopters");
    EXPECT_EQ(events[0].api_key(), "apiKeys/" + KeyId(finder_));
    EXPECT_THAT(
        events[0].records(),
        UnorderedElementsAre(child.name(), first.name(), second.name()));
  }

  // And the other way round: the children a household was shown.
  v1::RankChildrenRequest family_led;
  family_led.set_adopter(second.name());
  v1::RankChildrenResponse children;
  ASSERT_THAT(Do(*matching_, &MatchingStub::RankChildren, finder_, family_led,
                 &children),
              IsOk());
  ASSERT_THAT(children.children(), SizeIs(1));
  EXPECT_THAT(Methods(EventsFor(child.name())),
              Contains("/raa.v1.MatchingService/RankChildren"));
}

// Stop 41's probe: a refused change waited for the audit writer's next
// commit, which waits for the database's write lock while another member's
// batch is written. Here another connection holds that lock throughout the
// call: the refused change is answered INVALID_ARGUMENT all the same (it
// was UNAVAILABLE once the writer gave up, 5 s later), and its event is in
// the trail once the lock goes.
TEST_F(AccessTest, ARefusedChangeIsAnsweredWithoutWaitingForTheTrail) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::WithdrawChildRequest refused;
  refused.set_name(child.name());  // no reason
  refused.set_request_id(NextRequestId());
  v1::Child withdrawn;
  grpc::Status status;
  {
    SQLite::Database other(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    status = Do(*registry_, &RegistryStub::WithdrawChild, registrar_, refused,
                &withdrawn);
    other.exec("ROLLBACK");
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  std::vector<v1::AuditEvent> events = EventsFor(child.name());
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[0].method(), "/raa.v1.RegistryService/WithdrawChild");
  EXPECT_EQ(events[0].status_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AccessTest, TheAuditTrailRecordsAnExplanationAndEveryKindOfWrite) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::Adopter adopter = AddAdopter(leeds_, "leeds");
  v1::ExplainPairRequest explain;
  explain.set_child(child.name());
  explain.set_adopter(adopter.name());
  v1::PairExplanation explanation;
  ASSERT_THAT(Do(*matching_, &MatchingStub::ExplainPair, finder_, explain,
                 &explanation),
              IsOk());
  std::vector<v1::AuditEvent> events = EventsFor(adopter.name());
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[0].method(), "/raa.v1.MatchingService/ExplainPair");
  EXPECT_THAT(events[0].records(),
              UnorderedElementsAre(child.name(), adopter.name()));
  EXPECT_EQ(events[1].method(), "/raa.v1.RegistryService/CreateAdopter");

  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(child.name());
  update.mutable_child()->set_summary("Loves football and drawing.");
  update.mutable_update_mask()->add_paths("summary");
  update.set_request_id(NextRequestId());
  v1::Child updated;
  ASSERT_THAT(
      Do(*registry_, &RegistryStub::UpdateChild, registrar_, update, &updated),
      IsOk());
  EXPECT_THAT(Methods(EventsFor(child.name())),
              ElementsAre("/raa.v1.RegistryService/UpdateChild",
                          "/raa.v1.MatchingService/ExplainPair",
                          "/raa.v1.RegistryService/CreateChild"));

  // Changes to the consortium are recorded by what they changed.
  std::string key = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
  std::vector<v1::AuditEvent> key_events = EventsFor("apiKeys/" + KeyId(key));
  ASSERT_THAT(key_events, SizeIs(1));
  EXPECT_EQ(key_events[0].method(), "/raa.v1.AccessService/CreateApiKey");
  EXPECT_EQ(key_events[0].api_key(), "apiKeys/" + KeyId(hub_));
  EXPECT_THAT(Methods(EventsFor("authorities/leeds")),
              Contains("/raa.v1.RegistryService/CreateAuthority"));
}

TEST_F(AccessTest, AManagerQueriesTheTrailByKeyMemberAndTimeOnePageAtATime) {
  v1::Child child = AddChild(registrar_, "sheffield");
  const absl::Time before_reads = clock_.Now() + absl::Minutes(1);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Minutes(10));
    v1::Child read;
    ASSERT_THAT(GetChild(i % 2 == 0 ? finder_ : leeds_, child.name(), &read),
                IsOk());
  }
  // By key.
  v1::QueryAuditLogRequest by_key;
  by_key.set_api_key(KeyId(leeds_));
  v1::QueryAuditLogResponse response;
  ASSERT_THAT(Audit(sheffield_manager_, by_key, &response), IsOk());
  EXPECT_THAT(response.events(), SizeIs(2));
  // By member: Leeds' keys made only those two reads.
  v1::QueryAuditLogRequest by_member;
  by_member.set_authority("authorities/leeds");
  by_member.set_record(child.name());
  ASSERT_THAT(Audit(sheffield_manager_, by_member, &response), IsOk());
  EXPECT_THAT(response.events(), SizeIs(2));
  // By time: the reads, not the registration before them.
  v1::QueryAuditLogRequest by_time;
  by_time.set_record(child.name());
  *by_time.mutable_since() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(before_reads));
  ASSERT_THAT(Audit(sheffield_manager_, by_time, &response), IsOk());
  EXPECT_THAT(response.events(), SizeIs(5));
  *by_time.mutable_until() = TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(before_reads + absl::Minutes(20)));
  ASSERT_THAT(Audit(sheffield_manager_, by_time, &response), IsOk());
  EXPECT_THAT(response.events(), SizeIs(2));

  // Pages of two, newest first, every event once.
  v1::QueryAuditLogRequest paged;
  paged.set_record(child.name());
  paged.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    ASSERT_THAT(Audit(sheffield_manager_, paged, &response), IsOk());
    for (const v1::AuditEvent& e : response.events()) seen.push_back(e.name());
    paged.set_page_token(response.next_page_token());
    ++pages;
  } while (!paged.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_THAT(seen, SizeIs(6));
  EXPECT_TRUE(std::is_sorted(
      seen.begin(), seen.end(), [](const std::string& a, const std::string& b) {
        return std::stoll(a.substr(12)) > std::stoll(b.substr(12));
      }));

  // Bad filters are named.
  v1::QueryAuditLogRequest bad;
  bad.set_api_key("not-a-key");
  *bad.mutable_since() = TimeUtil::SecondsToTimestamp(2000000000);
  *bad.mutable_until() = TimeUtil::SecondsToTimestamp(1000000000);
  EXPECT_THAT(test::ViolationFields(Audit(sheffield_manager_, bad, &response)),
              UnorderedElementsAre("api_key", "until"));
  // A name mistyped is refused, not answered with an empty trail as if
  // nobody had read the record; the wildcard refused calls record is not.
  for (const char* record :
       {"authorities/LEEDS/children/c1", "authorities/leeds/children/C1",
        "authorities/leeds/children/c01", "authorities/../hub", "links/7",
        "apiKeys/short"}) {
    v1::QueryAuditLogRequest mistyped;
    mistyped.set_record(record);
    EXPECT_THAT(
        test::ViolationFields(Audit(sheffield_manager_, mistyped, &response)),
        ElementsAre("record"))
        << record;
  }
  for (const char* authority : {"authorities/LEEDS", "LEEDS", "../hub"}) {
    v1::QueryAuditLogRequest mistyped;
    mistyped.set_authority(authority);
    EXPECT_THAT(
        test::ViolationFields(Audit(sheffield_manager_, mistyped, &response)),
        ElementsAre("authority"))
        << authority;
  }
  for (const char* record :
       {"authorities/-", "authorities/leeds", "authorities/leeds/children/c1",
        "authorities/leeds/children/c1/reviews/2", "links/l7"}) {
    v1::QueryAuditLogRequest named;
    named.set_record(record);
    EXPECT_THAT(Audit(sheffield_manager_, named, &response), IsOk()) << record;
  }
  // A malformed name a refused call was sent is in the trail, and found.
  v1::Child none;
  ASSERT_THAT(GetChild(finder_, "authorities/sheffield/children/c01", &none),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  v1::QueryAuditLogRequest probed;
  probed.set_record("authorities/sheffield/children/c01");
  ASSERT_THAT(Audit(sheffield_manager_, probed, &response), IsOk());
  EXPECT_THAT(response.events(), SizeIs(1));
}

TEST_F(AccessTest, TheAuditTrailSurvivesARestart) {
  v1::Child child = AddChild(registrar_, "sheffield");
  v1::Child read;
  ASSERT_THAT(GetChild(finder_, child.name(), &read), IsOk());
  std::vector<v1::AuditEvent> before = EventsFor(child.name());
  ASSERT_THAT(before, SizeIs(2));
  ASSERT_NO_FATAL_FAILURE(Restart());
  std::vector<v1::AuditEvent> after = EventsFor(child.name());
  ASSERT_THAT(after, SizeIs(2));
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].DebugString(), before[i].DebugString());
  }
}

TEST_F(AccessTest, EventsOlderThanTheRetentionPeriodArePruned) {
  retention_days_ = 30;
  ASSERT_NO_FATAL_FAILURE(Restart());
  v1::Child child = AddChild(registrar_, "sheffield");
  clock_.Advance(absl::Hours(24 * 20));
  v1::Child read;
  ASSERT_THAT(GetChild(finder_, child.name(), &read), IsOk());
  ASSERT_THAT(EventsFor(child.name()), SizeIs(2));

  // 31 days after the registration, 11 after the read: only the read stays.
  clock_.Advance(absl::Hours(24 * 11));
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_THAT(Methods(EventsFor(child.name())),
              ElementsAre("/raa.v1.RegistryService/GetChild"));
}

}  // namespace
}  // namespace raa
