// Hostile and careless text through a real in-process server, as issue 6's
// outside client sent it: over-long summaries (which crashed raamatchd),
// megabyte names (whose echo never answered), control and bidi characters,
// and characters that are not bytes. Each answer is INVALID_ARGUMENT naming
// the field, with a short message, and nothing is stored; the server keeps
// answering afterwards.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/alert_stream.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa {
namespace {

using ::raa::test::AccessStub;
using ::raa::test::Call;
using ::raa::test::ChildProfile;
using ::raa::test::InProcessServerTest;
using ::raa::test::IsOk;
using ::raa::test::RegistryStub;
using ::raa::test::StatusIs;
using ::raa::test::ValidAuthority;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;

class HostileTextTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    AddMember("sheffield", "south-yorkshire");
    registrar_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
  }

  v1::CreateChildRequest CreateRequest(const std::string& summary) {
    v1::CreateChildRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_child() = ChildProfile({84});
    request.mutable_child()->set_summary(summary);
    request.set_request_id(NextRequestId());
    return request;
  }

  // How many profiles Sheffield has stored.
  int StoredChildren() {
    v1::ListChildrenRequest request;
    request.set_parent("authorities/sheffield");
    request.set_page_size(1000);
    v1::ListChildrenResponse response;
    EXPECT_THAT(
        Reg(&RegistryStub::ListChildren, registrar_, request, &response),
        IsOk());
    return response.children_size();
  }

  // The server still answers (it did not crash).
  void ExpectServerAlive() {
    v1::GetAuthorityRequest request;
    request.set_name("authorities/sheffield");
    v1::Authority authority;
    EXPECT_THAT(
        Reg(&RegistryStub::GetAuthority, registrar_, request, &authority),
        IsOk());
  }

  static std::vector<std::string> LongSummaries() {
    return {std::string(16'000, '7'), std::string(32'000, 'a')};
  }

  std::string registrar_;
};

// Issue 6: 16,000 digits or 32,000 letters crashed raamatchd (SIGSEGV).
TEST_F(HostileTextTest, AnOverLongSummaryInCreateChildIsRefusedNamingIt) {
  for (const std::string& summary : LongSummaries()) {
    for (bool validate_only : {false, true}) {
      v1::CreateChildRequest request = CreateRequest(summary);
      request.set_validate_only(validate_only);
      v1::Child created;
      grpc::Status status =
          Reg(&RegistryStub::CreateChild, registrar_, request, &created);
      EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
      EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));
      EXPECT_THAT(
          status.error_message(),
          HasSubstr(absl::StrCat(summary.size(), " characters; at most 1000")));
      EXPECT_LT(status.error_message().size(), 200u);
    }
  }
  EXPECT_EQ(StoredChildren(), 0);
  ExpectServerAlive();
}

TEST_F(HostileTextTest, AnOverLongSummaryInUpdateChildIsRefusedNamingIt) {
  v1::Child child = AddChild(registrar_, "sheffield", ChildProfile({84}));
  for (const std::string& summary : LongSummaries()) {
    v1::UpdateChildRequest request;
    request.mutable_child()->set_name(child.name());
    request.mutable_child()->set_summary(summary);
    request.mutable_update_mask()->add_paths("summary");
    request.set_request_id(NextRequestId());
    v1::Child updated;
    grpc::Status status =
        Reg(&RegistryStub::UpdateChild, registrar_, request, &updated);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));
  }
  v1::GetChildRequest get;
  get.set_name(child.name());
  v1::Child stored;
  ASSERT_THAT(Reg(&RegistryStub::GetChild, registrar_, get, &stored), IsOk());
  EXPECT_EQ(stored.summary(), child.summary());
  ExpectServerAlive();
}

TEST_F(HostileTextTest, AnOverLongSummaryInABatchRowIsThatRowsFailure) {
  for (const std::string& summary : LongSummaries()) {
    v1::BatchCreateChildrenRequest batch;
    batch.set_parent("authorities/sheffield");
    batch.set_request_id(NextRequestId());
    *batch.add_requests() = CreateRequest("Loves trains.");
    *batch.add_requests() = CreateRequest(summary);
    for (auto& row : *batch.mutable_requests()) row.clear_parent();
    v1::BatchCreateChildrenResponse response;
    ASSERT_THAT(
        Reg(&RegistryStub::BatchCreateChildren, registrar_, batch, &response),
        IsOk());
    ASSERT_THAT(response.failures(), SizeIs(1));
    EXPECT_EQ(response.failures(0).index(), 1);
    EXPECT_EQ(response.failures(0).field(), "requests[1].child.summary");
    EXPECT_THAT(response.children(), SizeIs(1));

    batch.set_request_id(NextRequestId());
    batch.set_all_or_nothing(true);
    grpc::Status status =
        Reg(&RegistryStub::BatchCreateChildren, registrar_, batch, &response);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), Contains("requests[1].child.summary"));
  }
  ExpectServerAlive();
}

// Issue 6: a 10 KB name came back as a 10 KB message, and an ExplainPair
// with a 1 MB name never answered.
TEST_F(HostileTextTest, AMegabyteNameIsRefusedWithAShortMessage) {
  const std::string huge =
      "authorities/sheffield/children/c" + std::string(1 << 20, '1');
  v1::GetChildRequest get;
  get.set_name(huge);
  v1::Child child;
  grpc::Status status = Reg(&RegistryStub::GetChild, registrar_, get, &child);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  EXPECT_LT(status.error_message().size(), 1024u);
  EXPECT_LT(status.error_details().size(), 1024u);

  v1::PairExplanation explanation;
  status = ExplainPair(registrar_, huge, "authorities/sheffield/adopters/h1",
                       &explanation);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), Contains("child"));
  EXPECT_LT(status.error_message().size(), 1024u);

  status = ExplainPair(registrar_, "authorities/sheffield/children/c1",
                       std::string(1 << 20, 'h'), &explanation);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_LT(status.error_message().size(), 1024u);
  ExpectServerAlive();
}

TEST_F(HostileTextTest, AMalformedNameIsQuotedAtMostFortyCharacters) {
  v1::GetChildRequest get;
  get.set_name(std::string(200, 'x'));
  v1::Child child;
  grpc::Status status = Reg(&RegistryStub::GetChild, registrar_, get, &child);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(status.error_message(),
              HasSubstr("\"" + std::string(40, 'x') + "\u2026\""));
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr(std::string(41, 'x'))));
}

// Issue 6: NUL, BEL and U+202E were stored in display names and summaries.
TEST_F(HostileTextTest, ControlAndBidiCharactersAreRefusedInEveryTextField) {
  for (const std::string& bad :
       {std::string("Sam\0", 4), std::string("ring\a"),
        std::string("evil\u202Etxt.exe"), std::string("iso\u2066late")}) {
    v1::Child created;
    grpc::Status status = Reg(&RegistryStub::CreateChild, registrar_,
                              CreateRequest("Loves " + bad), &created);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));

    v1::CreateAuthorityRequest authority;
    authority.set_authority_id("doncaster");
    *authority.mutable_authority() =
        ValidAuthority("Doncaster " + bad, "south-yorkshire");
    authority.set_request_id(NextRequestId());
    v1::Authority made;
    status = Reg(&RegistryStub::CreateAuthority, manager_, authority, &made);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), ElementsAre("authority.display_name"));

    v1::CreateApiKeyRequest key;
    key.mutable_api_key()->set_authority("authorities/sheffield");
    key.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
    key.mutable_api_key()->set_display_name("team " + bad);
    key.set_request_id(NextRequestId());
    v1::CreateApiKeyResponse issued;
    status = Call(*access_, &AccessStub::CreateApiKey, manager_, key, &issued);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), ElementsAre("api_key.display_name"));
  }
  v1::Child child = AddChild(registrar_, "sheffield", ChildProfile({84}));
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child.name());
  withdraw.set_reason("placed with\u202E family");
  withdraw.set_request_id(NextRequestId());
  v1::Child withdrawn;
  grpc::Status status =
      Reg(&RegistryStub::WithdrawChild, registrar_, withdraw, &withdrawn);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
  EXPECT_EQ(StoredChildren(), 1);
}

TEST_F(HostileTextTest, UpdateAuthorityRefusesADisguisedOrOverLongName) {
  for (const std::string& name :
       {std::string("Sheffield\u202E"), std::string(10'000, 'S')}) {
    v1::UpdateAuthorityRequest request;
    request.mutable_authority()->set_name("authorities/sheffield");
    request.mutable_authority()->set_display_name(name);
    request.mutable_update_mask()->add_paths("display_name");
    request.set_request_id(NextRequestId());
    v1::Authority updated;
    grpc::Status status =
        Reg(&RegistryStub::UpdateAuthority, manager_, request, &updated);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(status), ElementsAre("authority.display_name"));
    EXPECT_LT(status.error_message().size(), 200u);
  }
}

TEST_F(HostileTextTest, ASummaryKeepsItsLineBreaks) {
  v1::Child created = AddChild(registrar_, "sheffield", [] {
    v1::Child c = ChildProfile({84});
    c.set_summary("Likes:\n\t- trains\n\t- swimming");
    return c;
  }());
  EXPECT_EQ(created.summary(), "Likes:\n\t- trains\n\t- swimming");
}

// Issue 6: a reason of 400 "€" was refused as over 500 characters.
TEST_F(HostileTextTest, AWithdrawReasonIsCountedInCharacters) {
  v1::Child child = AddChild(registrar_, "sheffield", ChildProfile({84}));
  std::string euros;
  for (int i = 0; i < 400; ++i) euros += "\u20AC";
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child.name());
  withdraw.set_reason(euros);
  withdraw.set_request_id(NextRequestId());
  v1::Child withdrawn;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawChild, registrar_, withdraw, &withdrawn),
      IsOk());
  EXPECT_EQ(withdrawn.withdraw_reason(), euros);
}

TEST_F(HostileTextTest, PersonalDataInEveryWrittenFormIsRefused) {
  for (const char* summary :
       {"Born 2020/03/01", "Birthday 14/02", "call 07700.900.123",
        "near S1\u200B2HH", "jane.doe @ example.com",
        "NHS \uFF19\uFF14\uFF13 476 5919"}) {
    v1::Child created;
    grpc::Status status = Reg(&RegistryStub::CreateChild, registrar_,
                              CreateRequest(summary), &created);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT)) << summary;
    EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"))
        << summary;
  }
  EXPECT_EQ(StoredChildren(), 0);
}

}  // namespace
}  // namespace raa
