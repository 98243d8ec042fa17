// Regions and languages through a real in-process server: every region field
// names a region of the consortium's list (unknown slugs refused with the
// closest ones suggested, in creates, updates and batches of children,
// households and members), languages are ISO 639 codes, a manager extends
// the list, and values stored before these checks are reported at start and
// by CheckRegions.
#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/SQLiteCpp.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
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
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;

// The description of the violation for `field`, or "".
std::string Why(const grpc::Status& status, const std::string& field) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) {
      if (v.field() == field) return v.description();
    }
  }
  return "";
}

class RegionsTest : public test::InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "sheffield"));
    sheffield_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
  }

  // Starts the server again on the same database, keeping the keys.
  void Start() { ASSERT_NO_FATAL_FAILURE(StartServer()); }
  void Stop() { StopServer(); }

  grpc::Status CreateAuthority(const std::string& id, absl::string_view region,
                               v1::Authority* created) {
    v1::CreateAuthorityRequest request;
    request.set_authority_id(id);
    *request.mutable_authority() = ValidAuthority(id + " council", region);
    request.set_request_id(NextRequestId());
    return Reg(&RegistryStub::CreateAuthority, manager_, request, created);
  }

  grpc::Status CreateChild(const v1::Child& child, v1::Child* created) {
    v1::CreateChildRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_child() = child;
    request.set_request_id(NextRequestId());
    return Reg(&RegistryStub::CreateChild, sheffield_, request, created);
  }
  grpc::Status CreateAdopter(const v1::Adopter& adopter, v1::Adopter* created) {
    v1::CreateAdopterRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_adopter() = adopter;
    request.set_request_id(NextRequestId());
    return Reg(&RegistryStub::CreateAdopter, sheffield_, request, created);
  }
  grpc::Status CreateRegion(absl::string_view key, const std::string& slug,
                            const std::string& request_id,
                            v1::Region* created) {
    v1::CreateRegionRequest request;
    request.set_region_id(slug);
    request.mutable_region()->set_display_name("Harrogate district");
    request.mutable_region()->set_parent("north-yorkshire");
    request.set_request_id(request_id);
    return Reg(&RegistryStub::CreateRegion, key, request, created);
  }
  v1::CheckRegionsResponse CheckRegions(absl::string_view key) {
    v1::CheckRegionsResponse response;
    EXPECT_THAT(Reg(&RegistryStub::CheckRegions, key, v1::CheckRegionsRequest(),
                    &response),
                IsOk());
    return response;
  }

  std::string sheffield_;
};

TEST_F(RegionsTest, AMisspeltExcludedRegionIsRefusedWithTheRegionMeant) {
  v1::Child child = ValidChild();
  child.add_excluded_regions("west-yorks");
  v1::Child created;
  grpc::Status s = CreateChild(child, &created);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.excluded_regions[0]"));
  EXPECT_THAT(Why(s, "child.excluded_regions[0]"),
              HasSubstr("did you mean \"west-yorkshire\""));

  v1::Adopter adopter = ValidAdopter();
  adopter.add_excluded_regions("west-yorks");
  v1::Adopter household;
  s = CreateAdopter(adopter, &household);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(Why(s, "adopter.excluded_regions[0]"),
              HasSubstr("did you mean \"west-yorkshire\""));

  // Nothing was stored; the region spelt right is accepted.
  EXPECT_THAT(CheckRegions(manager_).unknown(), IsEmpty());
  child.set_excluded_regions(0, "west-yorkshire");
  EXPECT_THAT(CreateChild(child, &created), IsOk());
}

TEST_F(RegionsTest, UnknownRegionsAreRefusedInEveryWrite) {
  // A member.
  v1::Authority authority;
  grpc::Status s = CreateAuthority("leeds", "Leeds", &authority);
  EXPECT_THAT(ViolationFields(s), ElementsAre("authority.region"));
  EXPECT_THAT(Why(s, "authority.region"), HasSubstr("\"leeds\""));

  // A member's region, by update.
  v1::UpdateAuthorityRequest move;
  move.mutable_authority()->set_name("authorities/sheffield");
  move.mutable_authority()->set_region("west-yorks");
  move.mutable_update_mask()->add_paths("region");
  move.set_request_id(NextRequestId());
  s = Reg(&RegistryStub::UpdateAuthority, manager_, move, &authority);
  EXPECT_THAT(ViolationFields(s), ElementsAre("authority.region"));
  EXPECT_THAT(Why(s, "authority.region"), HasSubstr("\"west-yorkshire\""));

  // A child's own region, by update.
  v1::Child child;
  ASSERT_THAT(CreateChild(ValidChild(), &child), IsOk());
  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(child.name());
  update.mutable_child()->set_region("sheffeild");
  update.mutable_update_mask()->add_paths("region");
  update.set_request_id(NextRequestId());
  v1::Child updated;
  s = Reg(&RegistryStub::UpdateChild, sheffield_, update, &updated);
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.region"));
  EXPECT_THAT(Why(s, "child.region"), HasSubstr("\"sheffield\""));

  // A household's region, by update.
  v1::Adopter adopter;
  ASSERT_THAT(CreateAdopter(ValidAdopter(), &adopter), IsOk());
  v1::UpdateAdopterRequest update_adopter;
  update_adopter.mutable_adopter()->set_name(adopter.name());
  update_adopter.mutable_adopter()->add_excluded_regions("rotherham");
  update_adopter.mutable_adopter()->add_excluded_regions("Barnsley");
  update_adopter.mutable_update_mask()->add_paths("excluded_regions");
  update_adopter.set_request_id(NextRequestId());
  v1::Adopter updated_adopter;
  s = Reg(&RegistryStub::UpdateAdopter, sheffield_, update_adopter,
          &updated_adopter);
  EXPECT_THAT(ViolationFields(s), ElementsAre("adopter.excluded_regions[1]"));
  EXPECT_THAT(Why(s, "adopter.excluded_regions[1]"), HasSubstr("\"barnsley\""));

  // Batches: the bad row fails, naming its field; the good one is stored.
  v1::BatchCreateChildrenRequest children;
  children.set_parent("authorities/sheffield");
  children.set_request_id(NextRequestId());
  *children.add_requests()->mutable_child() = ValidChild();
  v1::Child bad_child = ValidChild();
  bad_child.set_region("south-yorks");
  *children.add_requests()->mutable_child() = bad_child;
  v1::BatchCreateChildrenResponse stored_children;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, sheffield_, children,
                  &stored_children),
              IsOk());
  EXPECT_THAT(stored_children.children(), SizeIs(1));
  ASSERT_THAT(stored_children.failures(), SizeIs(1));
  EXPECT_EQ(stored_children.failures(0).field(), "requests[1].child.region");
  EXPECT_THAT(stored_children.failures(0).description(),
              HasSubstr("\"south-yorkshire\""));

  v1::BatchCreateAdoptersRequest adopters;
  adopters.set_parent("authorities/sheffield");
  adopters.set_request_id(NextRequestId());
  v1::Adopter bad_adopter = ValidAdopter();
  bad_adopter.set_region("doncastr");
  *adopters.add_requests()->mutable_adopter() = bad_adopter;
  *adopters.add_requests()->mutable_adopter() = ValidAdopter();
  v1::BatchCreateAdoptersResponse stored_adopters;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateAdopters, sheffield_, adopters,
                  &stored_adopters),
              IsOk());
  EXPECT_THAT(stored_adopters.adopters(), SizeIs(1));
  ASSERT_THAT(stored_adopters.failures(), SizeIs(1));
  EXPECT_EQ(stored_adopters.failures(0).field(), "requests[0].adopter.region");
  EXPECT_THAT(stored_adopters.failures(0).description(),
              HasSubstr("\"doncaster\""));
}

TEST_F(RegionsTest, LanguagesAreIso639Codes) {
  v1::Adopter adopter = ValidAdopter();
  adopter.add_languages("eng");
  adopter.add_languages("urdu");
  adopter.add_languages("syl");  // Sylheti: ISO 639-3, no two-letter code
  v1::Adopter created;
  grpc::Status s = CreateAdopter(adopter, &created);
  EXPECT_THAT(ViolationFields(s),
              ElementsAre("adopter.languages[1]", "adopter.languages[2]"));
  EXPECT_THAT(Why(s, "adopter.languages[1]"), HasSubstr("\"en\""));
  EXPECT_THAT(Why(s, "adopter.languages[2]"), HasSubstr("\"ur\""));

  v1::Child child = ValidChild();
  child.mutable_members(0)->set_first_language("pl-PL");
  v1::Child stored;
  s = CreateChild(child, &stored);
  EXPECT_THAT(ViolationFields(s),
              ElementsAre("child.members[0].first_language"));
  EXPECT_THAT(Why(s, "child.members[0].first_language"), HasSubstr("\"pl\""));

  adopter = ValidAdopter();
  adopter.add_languages("ur");
  adopter.add_languages("syl");
  EXPECT_THAT(CreateAdopter(adopter, &created), IsOk());
}

TEST_F(RegionsTest, AHouseholdMayNameOnlySoManyRegionsAndLanguages) {
  v1::Adopter adopter = ValidAdopter();
  // 21 regions: refused for their number, before any is looked up.
  for (int i = 0; i < 21; ++i) {
    adopter.add_excluded_regions(absl::StrCat("area-", i));
  }
  v1::Adopter created;
  grpc::Status s = CreateAdopter(adopter, &created);
  EXPECT_THAT(ViolationFields(s), ElementsAre("adopter.excluded_regions"));
  EXPECT_THAT(Why(s, "adopter.excluded_regions"), HasSubstr("at most 20"));

  adopter = ValidAdopter();
  for (const char* code :
       {"en", "ur", "pa", "bn", "pl", "ro", "so", "ar", "fr"})
    adopter.add_languages(code);
  s = CreateAdopter(adopter, &created);
  EXPECT_THAT(ViolationFields(s), ElementsAre("adopter.languages"));
}

TEST_F(RegionsTest, AManagerAddsARegionThenRegistrarsCanUseIt) {
  v1::Adopter adopter = ValidAdopter();
  adopter.set_region("harrogate-district");
  v1::Adopter created;
  EXPECT_THAT(CreateAdopter(adopter, &created),
              StatusIs(Code::INVALID_ARGUMENT));

  v1::Region region;
  EXPECT_THAT(CreateRegion(sheffield_, "harrogate-district", "r-1", &region),
              StatusIs(Code::PERMISSION_DENIED));
  ASSERT_THAT(CreateRegion(manager_, "harrogate-district", "r-1", &region),
              IsOk());
  EXPECT_EQ(region.name(), "regions/harrogate-district");
  EXPECT_EQ(region.kind(), v1::REGION_KIND_CONSORTIUM_AREA);
  EXPECT_FALSE(region.shipped());
  // A retry is answered once; a second create of the slug is refused.
  v1::Region again;
  ASSERT_THAT(CreateRegion(manager_, "harrogate-district", "r-1", &again),
              IsOk());
  EXPECT_EQ(again.create_time().seconds(), region.create_time().seconds());
  EXPECT_THAT(CreateRegion(manager_, "harrogate-district", "r-2", &again),
              StatusIs(Code::ALREADY_EXISTS));
  EXPECT_THAT(CreateRegion(manager_, "leeds", "r-3", &again),
              StatusIs(Code::ALREADY_EXISTS));

  EXPECT_THAT(CreateAdopter(adopter, &created), IsOk());

  // Listed, and still listed after a restart.
  Stop();
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::ListRegionsRequest list;
  list.set_kind(v1::REGION_KIND_CONSORTIUM_AREA);
  v1::ListRegionsResponse listed;
  ASSERT_THAT(Reg(&RegistryStub::ListRegions, sheffield_, list, &listed),
              IsOk());
  ASSERT_THAT(listed.regions(), SizeIs(1));
  EXPECT_EQ(listed.regions(0).name(), "regions/harrogate-district");
  adopter.set_region("harrogate-district");
  EXPECT_THAT(CreateAdopter(adopter, &created), IsOk());
}

TEST_F(RegionsTest, ARegionsNameIsTextEveryMemberCanRead) {
  // As a member's name: no bidi control, nothing invisible only.
  for (const std::string& name :
       {std::string("\u202eegdirboR"), std::string("\u2066Leeds\u2069"),
        std::string("\u200b\u200b"), std::string("\u00a0"),
        std::string("Harrogate\x1b[2J")}) {
    v1::CreateRegionRequest request;
    request.set_region_id("harrogate-district");
    request.mutable_region()->set_display_name(name);
    request.set_request_id(NextRequestId());
    v1::Region region;
    grpc::Status status =
        Reg(&RegistryStub::CreateRegion, manager_, request, &region);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT)) << name;
    EXPECT_THAT(ViolationFields(status), ElementsAre("region.display_name"))
        << name;
  }
}

TEST_F(RegionsTest, ListRegionsPagesThroughTheShippedList) {
  v1::ListRegionsRequest request;
  request.set_page_size(40);
  std::vector<std::string> slugs;
  do {
    v1::ListRegionsResponse page;
    ASSERT_THAT(Reg(&RegistryStub::ListRegions, sheffield_, request, &page),
                IsOk());
    for (const v1::Region& r : page.regions()) slugs.push_back(r.name());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(slugs.size(), 1u + 9 + 6 + 153);
  EXPECT_TRUE(std::is_sorted(slugs.begin(), slugs.end()));

  request = v1::ListRegionsRequest();
  request.set_parent("yorkshire-and-the-humber");
  request.set_kind(v1::REGION_KIND_LOCAL_AUTHORITY_AREA);
  v1::ListRegionsResponse yorkshire;
  ASSERT_THAT(Reg(&RegistryStub::ListRegions, sheffield_, request, &yorkshire),
              IsOk());
  EXPECT_THAT(yorkshire.regions(), SizeIs(15));
}

// A database written before regions were checked: values nobody checked are
// reported when the server starts and by CheckRegions, never silently used.
TEST_F(RegionsTest, UnknownValuesInAnOldDatabaseAreReported) {
  v1::Child child;
  ASSERT_THAT(CreateChild(ValidChild(), &child), IsOk());
  v1::Adopter adopter;
  ASSERT_THAT(CreateAdopter(ValidAdopter(), &adopter), IsOk());
  Stop();
  {
    // As an older raamatchd stored them.
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    v1::Child old_child = child;
    old_child.add_excluded_regions("west-yorks");
    SQLite::Statement c(db, "UPDATE children SET profile = ? WHERE id = 1");
    std::string bytes = old_child.SerializeAsString();
    c.bind(1, bytes.data(), static_cast<int>(bytes.size()));
    ASSERT_EQ(c.exec(), 1);
    v1::Adopter old_adopter = adopter;
    old_adopter.set_region("humber");
    old_adopter.add_languages("english");
    SQLite::Statement a(db, "UPDATE adopters SET profile = ? WHERE id = 1");
    bytes = old_adopter.SerializeAsString();
    a.bind(1, bytes.data(), static_cast<int>(bytes.size()));
    ASSERT_EQ(a.exec(), 1);
  }
  // Written while the server serves, a member at a time.
  ::testing::internal::CaptureStderr();
  ASSERT_NO_FATAL_FAILURE(Start());
  server_->WaitForStartReport();
  Stop();
  const std::string report = ::testing::internal::GetCapturedStderr();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_THAT(report, HasSubstr("3 stored values name a region or language"));
  EXPECT_THAT(report,
              HasSubstr(child.name() + " excluded_regions[0] \"west-yorks\" "
                                       "(did you mean west-yorkshire?)"));
  EXPECT_THAT(report, HasSubstr(adopter.name() + " region \"humber\""));
  EXPECT_THAT(report, HasSubstr(adopter.name() + " languages[1] \"english\""));

  v1::CheckRegionsResponse found = CheckRegions(manager_);
  ASSERT_THAT(found.unknown(), SizeIs(3));
  EXPECT_EQ(found.unknown(0).record(), child.name());
  EXPECT_EQ(found.unknown(0).field(), "excluded_regions[0]");
  EXPECT_EQ(found.unknown(0).value(), "west-yorks");
  EXPECT_THAT(found.unknown(0).suggestions(), ElementsAre("west-yorkshire"));
  EXPECT_EQ(found.unknown(2).field(), "languages[1]");
  EXPECT_THAT(found.unknown(2).suggestions(), ElementsAre("en"));
  // A registrar sees its own records; another member's none.
  EXPECT_THAT(CheckRegions(sheffield_).unknown(), SizeIs(3));
  ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "leeds"));
  EXPECT_THAT(CheckRegions(NewKey("leeds", {v1::ROLE_REGISTRAR})).unknown(),
              IsEmpty());

  // Fixing the record clears it.
  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(child.name());
  update.mutable_child()->add_excluded_regions("west-yorkshire");
  update.mutable_update_mask()->add_paths("excluded_regions");
  update.set_request_id(NextRequestId());
  v1::Child fixed;
  ASSERT_THAT(Reg(&RegistryStub::UpdateChild, sheffield_, update, &fixed),
              IsOk());
  EXPECT_THAT(CheckRegions(manager_).unknown(), SizeIs(2));
}

}  // namespace
}  // namespace raa
