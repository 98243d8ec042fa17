// The real raamatchd as a process: a write acknowledged to a client survives
// kill -9, SIGTERM shuts down cleanly with the database intact, and a
// database from a newer raamatch is refused with a clear message.
#include <SQLiteCpp/Database.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/processes.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::ApprovedHousehold;
using ::raa::test::Call;
using ::raa::test::ChildProfile;
using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::Raamatchd;
using ::raa::test::ScratchDir;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using JourneyStub = v1::JourneyService::Stub;
using LedgerStub = v1::LedgerService::Stub;

// raamatchd on a database in `dir` (tests/support/processes.h), with a
// client connection to it while it serves.
class Daemon {
 public:
  explicit Daemon(const ScratchDir& dir) : process_(RAAMATCHD_PATH, dir) {}

  // Starts raamatchd without waiting for it.
  void Spawn() { ASSERT_NO_FATAL_FAILURE(process_.Spawn(Flags())); }

  // Starts raamatchd, waits until it serves and connects to it.
  void Start() {
    ASSERT_NO_FATAL_FAILURE(process_.Start(Flags()));
    channel_ = grpc::CreateChannel(process_.address(),
                                   grpc::InsecureChannelCredentials());
    registry_ = v1::RegistryService::NewStub(channel_);
    access_ = v1::AccessService::NewStub(channel_);
    journey_ = v1::JourneyService::NewStub(channel_);
    ledger_ = v1::LedgerService::NewStub(channel_);
  }

  // Closes this client's connection (as a finished client would: an idle
  // one is only noticed by gRPC's 5-second backup poller, which would slow
  // the server's shutdown), sends `signal`, and waits for the process to
  // end; returns its wait status.
  std::optional<int> Stop(int signal) {
    Disconnect();
    return process_.Stop(signal);
  }

  // The wait status once the process has ended, or nullopt after
  // kProcessPatience.
  std::optional<int> WaitForExit() {
    std::optional<int> status = process_.WaitForExit();
    if (status.has_value()) Disconnect();
    return status;
  }

  std::string ManagerKey() const { return process_.manager_key(); }
  std::string Log() const { return process_.log(); }
  const std::string& db() const { return process_.db(); }
  const std::string& key_file() const { return process_.key_file(); }
  const std::string& port_file() const { return process_.port_file(); }
  RegistryStub& registry() { return *registry_; }
  AccessStub& access() { return *access_; }
  JourneyStub& journey() { return *journey_; }
  LedgerStub& ledger() { return *ledger_; }

 private:
  static std::vector<std::string> Flags() {
    return {"--listen", "127.0.0.1:0", "--workers", "2"};
  }
  void Disconnect() {
    ledger_.reset();
    journey_.reset();
    registry_.reset();
    access_.reset();
    channel_.reset();
  }

  Raamatchd process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<RegistryStub> registry_;
  std::unique_ptr<AccessStub> access_;
  std::unique_ptr<JourneyStub> journey_;
  std::unique_ptr<LedgerStub> ledger_;
};

class DurabilityTest : public ::testing::Test {
 protected:
  // Registers Sheffield and a registrar key for it; returns the key.
  std::string RegisterSheffield() {
    const std::string manager = daemon_.ManagerKey();
    EXPECT_THAT(manager, StartsWith("raa_"));
    v1::CreateAuthorityRequest authority;
    authority.set_authority_id("sheffield");
    *authority.mutable_authority() =
        ValidAuthority("Sheffield City Council", "south-yorkshire");
    authority.set_request_id("authority-1");
    v1::Authority created;
    EXPECT_THAT(Call(daemon_.registry(), &RegistryStub::CreateAuthority,
                     manager, authority, &created),
                IsOk());
    v1::CreateApiKeyRequest key;
    key.mutable_api_key()->set_authority("authorities/sheffield");
    key.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
    key.set_request_id("key-1");
    v1::CreateApiKeyResponse issued;
    EXPECT_THAT(Call(daemon_.access(), &AccessStub::CreateApiKey, manager, key,
                     &issued),
                IsOk());
    return issued.secret();
  }

  v1::Child AddChild(const std::string& key, int n) {
    v1::CreateChildRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_child() = ValidChild();
    // Older than the 20 months since ValidChild() entered care.
    request.mutable_child()->mutable_members(0)->set_age_months(20 + n);
    request.set_request_id(absl::StrCat("child-", n));
    v1::Child created;
    EXPECT_THAT(Call(daemon_.registry(), &RegistryStub::CreateChild, key,
                     request, &created),
                IsOk());
    return created;
  }

  std::vector<v1::Child> ListChildren(const std::string& key) {
    v1::ListChildrenRequest request;
    request.set_parent("authorities/-");
    request.set_page_size(1000);
    v1::ListChildrenResponse response;
    EXPECT_THAT(Call(daemon_.registry(), &RegistryStub::ListChildren, key,
                     request, &response),
                IsOk());
    return {response.children().begin(), response.children().end()};
  }

  ScratchDir dir_;
  Daemon daemon_{dir_};
};

TEST_F(DurabilityTest, AnAcknowledgedWriteSurvivesKillDashNine) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string registrar = RegisterSheffield();
  std::vector<v1::Child> created;
  for (int n = 1; n <= 20; ++n) created.push_back(AddChild(registrar, n));
  ASSERT_FALSE(HasFailure());

  // Killed the moment the last call returned OK: no chance to tidy up.
  std::optional<int> status = daemon_.Stop(SIGKILL);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);

  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  std::vector<v1::Child> after = ListChildren(registrar);
  ASSERT_EQ(after.size(), created.size());
  for (size_t i = 0; i < created.size(); ++i) {
    EXPECT_THAT(after[i], EqualsProto(created[i]));
  }
  // A retry of the last create, after the crash, is still recognised.
  EXPECT_THAT(AddChild(registrar, 20), EqualsProto(created.back()));
  EXPECT_EQ(ListChildren(registrar).size(), created.size());
}

// The inter-agency fee ledger's writes (issue 9): a fee accrued by the
// PLACED step, a payment recorded, a payment confirmed, each acknowledged
// the moment before kill -9, are all there after the restart.
class LedgerDurabilityTest : public DurabilityTest {
 protected:
  // A member `id` and a key for it with `role`, by the bootstrap manager.
  void AddMember(const std::string& id) {
    v1::CreateAuthorityRequest request;
    request.set_authority_id(id);
    *request.mutable_authority() =
        ValidAuthority(id + " council", "south-yorkshire");
    request.set_request_id("authority-" + id);
    v1::Authority created;
    EXPECT_THAT(Call(daemon_.registry(), &RegistryStub::CreateAuthority,
                     daemon_.ManagerKey(), request, &created),
                IsOk());
  }
  std::string Key(const std::string& id, v1::Role role) {
    v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_authority("authorities/" + id);
    request.mutable_api_key()->add_roles(role);
    request.set_request_id(absl::StrCat("key-", id, "-", role));
    v1::CreateApiKeyResponse issued;
    EXPECT_THAT(Call(daemon_.access(), &AccessStub::CreateApiKey,
                     daemon_.ManagerKey(), request, &issued),
                IsOk());
    return issued.secret();
  }
  // Kills the server with SIGKILL the moment the last call returned, and
  // starts it again on the same database.
  void KillAndRestart() {
    std::optional<int> status = daemon_.Stop(SIGKILL);
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFSIGNALED(*status));
    EXPECT_EQ(WTERMSIG(*status), SIGKILL);
    ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  }
  std::vector<v1::Entry> Entries() {
    v1::ListEntriesRequest request;
    request.set_page_size(1000);
    v1::ListEntriesResponse response;
    EXPECT_THAT(Call(daemon_.ledger(), &LedgerStub::ListEntries,
                     daemon_.ManagerKey(), request, &response),
                IsOk());
    return {response.entries().begin(), response.entries().end()};
  }
  std::vector<v1::Payment> Payments() {
    v1::ListPaymentsRequest request;
    request.set_page_size(1000);
    v1::ListPaymentsResponse response;
    EXPECT_THAT(Call(daemon_.ledger(), &LedgerStub::ListPayments,
                     daemon_.ManagerKey(), request, &response),
                IsOk());
    return {response.payments().begin(), response.payments().end()};
  }
  static google::type::Money Pounds(int64_t pounds) {
    google::type::Money m;
    m.set_currency_code("GBP");
    m.set_units(pounds);
    return m;
  }
};

TEST_F(LedgerDurabilityTest, AcknowledgedLedgerWritesSurviveKillDashNine) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  AddMember("sheffield");
  AddMember("leeds");
  const std::string sheffield = Key("sheffield", v1::ROLE_REGISTRAR);
  const std::string leeds = Key("leeds", v1::ROLE_REGISTRAR);
  const std::string sheffield_finance = Key("sheffield", v1::ROLE_FINANCE);
  const std::string leeds_finance = Key("leeds", v1::ROLE_FINANCE);
  const std::string manager = daemon_.ManagerKey();

  // A Sheffield child placed with a Leeds household: Sheffield owes Leeds.
  v1::CreateChildRequest child;
  child.set_parent("authorities/sheffield");
  *child.mutable_child() = ChildProfile({84});
  child.set_request_id("ledger-child");
  v1::Child created_child;
  ASSERT_THAT(Call(daemon_.registry(), &RegistryStub::CreateChild, sheffield,
                   child, &created_child),
              IsOk());
  v1::CreateAdopterRequest household;
  household.set_parent("authorities/leeds");
  *household.mutable_adopter() = ApprovedHousehold(1, 48, 120);
  household.set_request_id("ledger-household");
  v1::Adopter created_household;
  ASSERT_THAT(Call(daemon_.registry(), &RegistryStub::CreateAdopter, leeds,
                   household, &created_household),
              IsOk());
  // Days well in the past on the server's real clock.
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 2;
  auto date = [](absl::CivilDay d) {
    return MakeDate(static_cast<int>(d.year()), d.month(), d.day());
  };
  v1::OpenLinkRequest open;
  open.set_child(created_child.name());
  open.set_adopter(created_household.name());
  *open.mutable_opened_on() = date(today - 30);
  open.set_request_id("ledger-open");
  v1::Link link;
  ASSERT_THAT(
      Call(daemon_.journey(), &JourneyStub::OpenLink, manager, open, &link),
      IsOk());
  v1::AdvanceLinkRequest advance;
  for (int s = v1::LINK_STEP_LINKING_MEETING; s <= v1::LINK_STEP_PLACED; ++s) {
    advance.set_name(link.name());
    advance.set_step(static_cast<v1::LinkStep>(s));
    *advance.mutable_date() = date(today - 30 + s);
    advance.set_request_id(absl::StrCat("ledger-advance-", s));
    ASSERT_THAT(Call(daemon_.journey(), &JourneyStub::AdvanceLink, manager,
                     advance, &link),
                IsOk())
        << "step " << s;
  }
  // The fee accrued with the PLACED step; killed right after it returned.
  ASSERT_NO_FATAL_FAILURE(KillAndRestart());
  std::vector<v1::Entry> entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  const v1::Entry fee = entries[0];
  EXPECT_EQ(fee.type(), v1::ENTRY_TYPE_FEE);
  EXPECT_EQ(fee.link(), link.name());
  EXPECT_EQ(fee.debit(), "authorities/sheffield");
  EXPECT_EQ(fee.credit(), "authorities/leeds");
  // The PLACED step's retry after the crash charges nothing more.
  ASSERT_THAT(Call(daemon_.journey(), &JourneyStub::AdvanceLink, manager,
                   advance, &link),
              IsOk());
  EXPECT_EQ(Entries().size(), 1u);

  // A payment recorded and confirmed, and a second one recorded: killed
  // right after the last returned.
  v1::RecordPaymentRequest first;
  first.set_payer("authorities/sheffield");
  first.set_payee("authorities/leeds");
  *first.mutable_amount() = Pounds(10'000);
  first.set_reference("BACS-1");
  first.set_request_id("ledger-pay-1");
  v1::Payment recorded;
  ASSERT_THAT(Call(daemon_.ledger(), &LedgerStub::RecordPayment,
                   sheffield_finance, first, &recorded),
              IsOk());
  v1::ConfirmPaymentRequest confirm;
  confirm.set_name(recorded.name());
  confirm.set_request_id("ledger-confirm-1");
  v1::Payment confirmed;
  ASSERT_THAT(Call(daemon_.ledger(), &LedgerStub::ConfirmPayment, leeds_finance,
                   confirm, &confirmed),
              IsOk());
  ASSERT_NO_FATAL_FAILURE(KillAndRestart());
  entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_THAT(entries[0], EqualsProto(fee));
  EXPECT_EQ(entries[1].type(), v1::ENTRY_TYPE_PAYMENT);
  EXPECT_EQ(entries[1].payment(), recorded.name());
  EXPECT_EQ(entries[1].amount().units(), 10'000);

  v1::RecordPaymentRequest second = first;
  *second.mutable_amount() = Pounds(5'000);
  second.set_reference("BACS-2");
  second.set_request_id("ledger-pay-2");
  v1::Payment pending;
  ASSERT_THAT(Call(daemon_.ledger(), &LedgerStub::RecordPayment,
                   sheffield_finance, second, &pending),
              IsOk());
  ASSERT_NO_FATAL_FAILURE(KillAndRestart());
  std::vector<v1::Payment> payments = Payments();
  ASSERT_EQ(payments.size(), 2u);
  // Newest first.
  EXPECT_THAT(payments[0], EqualsProto(pending));
  EXPECT_EQ(payments[0].state(), v1::PAYMENT_STATE_PENDING);
  EXPECT_THAT(payments[1], EqualsProto(confirmed));
  EXPECT_EQ(payments[1].state(), v1::PAYMENT_STATE_POSTED);
  // Retries after the crash are recognised: no second payment or entry.
  v1::Payment again;
  ASSERT_THAT(Call(daemon_.ledger(), &LedgerStub::RecordPayment,
                   sheffield_finance, second, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(pending));
  ASSERT_THAT(Call(daemon_.ledger(), &LedgerStub::ConfirmPayment, leeds_finance,
                   confirm, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(confirmed));
  EXPECT_EQ(Payments().size(), 2u);
  EXPECT_EQ(Entries().size(), 2u);
}

TEST_F(DurabilityTest, TheBootstrapKeyIsIssuedOnceAndKeptPrivate) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string manager = daemon_.ManagerKey();
  ASSERT_THAT(manager, StartsWith("raa_"));
  EXPECT_EQ(
      std::filesystem::status(daemon_.key_file()).permissions() &
          std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // With a key file the key goes to the file only, never to the log.
  EXPECT_THAT(daemon_.Log(), HasSubstr(daemon_.key_file()));
  EXPECT_THAT(daemon_.Log(), Not(HasSubstr(manager)));

  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  // The same key still works; no second key was issued or printed.
  EXPECT_EQ(daemon_.ManagerKey(), manager);
  v1::ListApiKeysResponse keys;
  EXPECT_THAT(Call(daemon_.access(), &AccessStub::ListApiKeys, manager,
                   v1::ListApiKeysRequest(), &keys),
              IsOk());
  EXPECT_EQ(keys.api_keys_size(), 1);
  std::string log = daemon_.Log();
  EXPECT_EQ(log.find("bootstrap manager key"),
            log.rfind("bootstrap manager key"));
}

TEST_F(DurabilityTest, SigtermExitsZeroAndLeavesTheDatabaseIntact) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string registrar = RegisterSheffield();
  v1::Child child = AddChild(registrar, 30);
  ASSERT_FALSE(HasFailure());

  std::optional<int> status = daemon_.Stop(SIGTERM);
  ASSERT_TRUE(status.has_value()) << "raamatchd ignored SIGTERM";
  ASSERT_TRUE(WIFEXITED(*status)) << daemon_.Log();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << daemon_.Log();

  // The last connection to close checkpoints and removes the WAL: a clean
  // close leaves the whole database in the one file.
  EXPECT_FALSE(std::filesystem::exists(daemon_.db() + "-wal"))
      << "the database was not closed cleanly";
  {
    SQLite::Database db(daemon_.db(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM children").getInt(), 1);
  }

  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  std::vector<v1::Child> after = ListChildren(registrar);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_THAT(after[0], EqualsProto(child));
}

// The index is saved while serving (here once, after the start rebuilt it)
// and at a clean stop. A start after a kill -9 loads the saved index and
// reads again only what was written since; a start after SIGTERM loads the
// save the stop made, and an earlier save's file put back is refused.
TEST_F(DurabilityTest, AStartAfterAKillLoadsTheSavedIndexAndReadsAgainTheRest) {
  const auto count = [this](const std::string& what) {
    const std::string log = daemon_.Log();
    int n = 0;
    for (size_t at = log.find(what); at != std::string::npos;
         at = log.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  const std::string snapshot = daemon_.db() + ".index";
  const std::string copy = daemon_.db() + ".index-copy";
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  // The save after a start that rebuilt the index: waited for, as its line
  // is written once the database holds its token.
  const absl::Time deadline = absl::Now() + test::kProcessPatience;
  while (count("raamatchd: index saved") < 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(count("raamatchd: index saved"), 1) << daemon_.Log();
  const std::string registrar = RegisterSheffield();
  AddChild(registrar, 30);
  ASSERT_FALSE(HasFailure());

  ASSERT_TRUE(daemon_.Stop(SIGKILL).has_value());
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_EQ(count("index loaded from its snapshot (0 households, 1 child "
                  "groups), 1 records changed since read again"),
            1)
      << daemon_.Log();
  EXPECT_EQ(ListChildren(registrar).size(), 1u);

  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());
  EXPECT_EQ(count("raamatchd: index saved"), 2) << daemon_.Log();
  std::filesystem::copy_file(snapshot, copy);
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_EQ(count("index loaded from its snapshot (0 households, 1 child "
                  "groups), 0 records changed since read again"),
            1)
      << daemon_.Log();
  AddChild(registrar, 31);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());

  std::filesystem::copy_file(copy, snapshot,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_EQ(count("index rebuilt from the database, not loaded"), 1)
      << daemon_.Log();
  EXPECT_EQ(ListChildren(registrar).size(), 2u);
}

// A save that cannot be written (here its path is a directory) is said on
// stderr and changes nothing else: the server serves and stops cleanly,
// and the next start rebuilds.
TEST_F(DurabilityTest, AnIndexThatCannotBeSavedLeavesTheServerServing) {
  const std::string snapshot = daemon_.db() + ".index";
  ASSERT_TRUE(std::filesystem::create_directory(snapshot));
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string registrar = RegisterSheffield();
  AddChild(registrar, 30);
  ASSERT_FALSE(HasFailure());
  std::optional<int> status = daemon_.Stop(SIGTERM);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status)) << daemon_.Log();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << daemon_.Log();
  EXPECT_THAT(daemon_.Log(), HasSubstr("raamatchd: index not saved: "));
  EXPECT_THAT(daemon_.Log(), Not(HasSubstr("raamatchd: index saved")));

  std::filesystem::remove(snapshot);
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_EQ(ListChildren(registrar).size(), 1u);
}

TEST_F(DurabilityTest, ASecondServerOnTheSameDatabaseIsRefused) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  Daemon second(dir_);
  ASSERT_NO_FATAL_FAILURE(second.Spawn());
  std::optional<int> status = second.WaitForExit();
  ASSERT_TRUE(status.has_value()) << "a second raamatchd kept running";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_THAT(second.Log(), HasSubstr("another raamatchd is serving"));
  // The first one still serves.
  v1::ListAuthoritiesResponse authorities;
  EXPECT_THAT(
      Call(daemon_.registry(), &RegistryStub::ListAuthorities,
           daemon_.ManagerKey(), v1::ListAuthoritiesRequest(), &authorities),
      IsOk());
}

// Runs raamatchd on `db` with `flag` until it exits; its exit code and what
// it printed (both streams).
std::pair<int, std::string> RunToExit(const std::string& db,
                                      absl::string_view flag) {
  std::string command =
      absl::StrCat(RAAMATCHD_PATH, " --db ", db, " ", flag, " 2>&1");
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return {-1, "popen failed"};
  std::string text;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), out) != nullptr) text += buffer;
  const int status = pclose(out);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

TEST_F(DurabilityTest, ARecoveryManagerKeyCanBeIssuedWithTheServerStopped) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());

  auto [code, text] = RunToExit(daemon_.db(), "--issue-manager-key");
  ASSERT_EQ(code, 0) << text;
  size_t at = text.find("raa_");
  ASSERT_NE(at, std::string::npos) << text;
  std::string recovery(absl::StripAsciiWhitespace(text.substr(at)));

  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  v1::ListApiKeysResponse keys;
  EXPECT_THAT(Call(daemon_.access(), &AccessStub::ListApiKeys, recovery,
                   v1::ListApiKeysRequest(), &keys),
              IsOk());
  EXPECT_EQ(keys.api_keys_size(), 2);
}

// The recovery key follows the hub: after the manager moved the hub's role
// to another member, the key is that member's, whatever --hub-id says; with
// no hub left and --hub-id naming a withdrawn member, nothing is issued.
TEST_F(DurabilityTest, ARecoveryManagerKeyIsTheCurrentHubs) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  RegisterSheffield();
  const std::string manager = daemon_.ManagerKey();
  auto set_kind = [&](const std::string& key, const char* id,
                      v1::AuthorityKind kind) {
    v1::UpdateAuthorityRequest request;
    request.mutable_authority()->set_name(absl::StrCat("authorities/", id));
    request.mutable_authority()->set_kind(kind);
    request.mutable_update_mask()->add_paths("kind");
    request.set_request_id(absl::StrCat("kind-", id, "-", kind));
    v1::Authority updated;
    return Call(daemon_.registry(), &RegistryStub::UpdateAuthority, key,
                request, &updated);
  };
  ASSERT_THAT(set_kind(manager, "hub", v1::AUTHORITY_KIND_LOCAL_AUTHORITY),
              IsOk());
  ASSERT_THAT(set_kind(manager, "sheffield",
                       v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY),
              IsOk());
  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());

  auto [code, text] = RunToExit(daemon_.db(), "--issue-manager-key");
  ASSERT_EQ(code, 0) << text;
  EXPECT_THAT(text, HasSubstr("authority \"sheffield\""));
  size_t at = text.find("raa_");
  ASSERT_NE(at, std::string::npos) << text;
  std::string recovery(absl::StripAsciiWhitespace(text.substr(at)));

  // The key manages: with it, Sheffield is a local authority again and the
  // old hub withdraws, so the consortium has no hub.
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  ASSERT_THAT(
      set_kind(recovery, "sheffield", v1::AUTHORITY_KIND_LOCAL_AUTHORITY),
      IsOk());
  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/hub");
  withdraw.set_request_id("withdraw-hub");
  v1::Authority withdrawn;
  ASSERT_THAT(Call(daemon_.registry(), &RegistryStub::WithdrawAuthority,
                   recovery, withdraw, &withdrawn),
              IsOk());
  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());

  std::tie(code, text) = RunToExit(daemon_.db(), "--issue-manager-key");
  EXPECT_EQ(code, 1) << text;
  EXPECT_THAT(text, HasSubstr("\"hub\" has withdrawn"));
  EXPECT_THAT(text, Not(HasSubstr("raa_")));
  std::tie(code, text) =
      RunToExit(daemon_.db(), "--issue-manager-key --hub-id sheffield");
  ASSERT_EQ(code, 0) << text;
  EXPECT_THAT(text, HasSubstr("authority \"sheffield\""));
}

// An operator compacts a database made before the larger pages: refused
// while the server runs, done once it is stopped; the records and the saved
// index are as they were.
TEST_F(DurabilityTest, CompactRewritesTheDatabaseOnlyWithTheServerStopped) {
  {
    SQLite::Database db(daemon_.db(),
                        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA page_size = 4096");
    db.exec("PRAGMA journal_mode = WAL");
  }
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string registrar = RegisterSheffield();
  AddChild(registrar, 30);
  ASSERT_FALSE(HasFailure());

  auto [busy_code, busy_text] = RunToExit(daemon_.db(), "--compact");
  EXPECT_NE(busy_code, 0);
  EXPECT_THAT(busy_text, HasSubstr("another raamatchd is serving"));

  ASSERT_TRUE(daemon_.Stop(SIGTERM).has_value());
  auto [code, text] = RunToExit(daemon_.db(), "--compact");
  ASSERT_EQ(code, 0) << text;
  EXPECT_THAT(text, HasSubstr(absl::StrCat("compacted: pages of 4096 bytes, "
                                           "now ",
                                           Store::kPageSize)));
  {
    SQLite::Database db(daemon_.db(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA page_size").getInt(), Store::kPageSize);
  }

  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_THAT(daemon_.Log(),
              HasSubstr("index loaded from its snapshot (0 households, 1 "
                        "child group"));
  EXPECT_EQ(ListChildren(registrar).size(), 1u);
}

// After a crash the write-ahead log holds acknowledged writes not yet in
// the database file: --compact applies them first.
TEST_F(DurabilityTest, CompactAfterAKillKeepsEveryAcknowledgedWrite) {
  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  const std::string registrar = RegisterSheffield();
  AddChild(registrar, 30);
  AddChild(registrar, 40);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(daemon_.Stop(SIGKILL).has_value());
  ASSERT_TRUE(std::filesystem::exists(daemon_.db() + "-wal"));

  auto [code, text] = RunToExit(daemon_.db(), "--compact");
  ASSERT_EQ(code, 0) << text;
  EXPECT_FALSE(std::filesystem::exists(daemon_.db() + "-journal"));

  ASSERT_NO_FATAL_FAILURE(daemon_.Start());
  EXPECT_EQ(ListChildren(registrar).size(), 2u);
}

TEST_F(DurabilityTest, CompactTogetherWithAKeyRecoveryIsAUsageError) {
  auto [code, text] = RunToExit(daemon_.db(), "--compact --issue-manager-key");
  EXPECT_EQ(code, 2) << text;
  EXPECT_THAT(text, HasSubstr("excludes"));
  EXPECT_FALSE(std::filesystem::exists(daemon_.db()));
}

TEST_F(DurabilityTest, RefusesADatabaseFromANewerVersionWithAClearMessage) {
  {
    SystemClock clock;
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(daemon_.db(), clock, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
  }
  {
    SQLite::Database db(daemon_.db(), SQLite::OPEN_READWRITE);
    db.exec(absl::StrCat("INSERT INTO schema_migrations VALUES (",
                         kSchemaVersion + 1,
                         ", 'from-the-future', '2027-01-01T00:00:00Z')"));
  }
  ASSERT_NO_FATAL_FAILURE(daemon_.Spawn());
  std::optional<int> status = daemon_.WaitForExit();
  ASSERT_TRUE(status.has_value()) << "raamatchd kept running";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_THAT(daemon_.Log(), HasSubstr("newer raamatch"));
  EXPECT_FALSE(std::filesystem::exists(daemon_.port_file()));
}

}  // namespace
}  // namespace raa
