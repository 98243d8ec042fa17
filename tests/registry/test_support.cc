#include "tests/registry/test_support.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/wrappers.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"

namespace grpc {

void PrintTo(const Status& status, std::ostream* os) {
  *os << raa::test::DescribeStatus(status);
}

}  // namespace grpc

namespace raa::test {

absl::CivilDay Today() { return absl::CivilDay(2026, 11, 1); }

absl::Time TestNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 1, 12, 0, 0),
                         absl::UTCTimeZone());
}

google::type::Date MakeDate(int year, int month, int day) {
  google::type::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

v1::Child ValidChild() {
  v1::Child child;
  v1::ChildMember* member = child.add_members();
  member->set_age_months(84);
  member->set_sex(v1::SEX_MALE);
  v1::Need* need = member->add_needs();
  need->set_category(v1::LEARNING_DISABILITY);
  need->set_level(v1::NEED_LEVEL_MODERATE);
  member->set_heritage(v1::WHITE_BRITISH);
  member->set_religion(v1::NO_RELIGION);
  member->set_first_language("en");
  *child.mutable_ages_as_of() = MakeDate(2026, 10, 1);
  child.set_contact_plan(v1::CONTACT_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  child.set_summary(
      "Sam, 7, loves football and needs a family who can manage moderate "
      "learning needs");
  v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = MakeDate(2025, 1, 10);
  *journey->mutable_plan_for_adoption() = MakeDate(2025, 6, 2);
  *journey->mutable_shobpa_decision() = MakeDate(2025, 8, 4);
  return child;
}

v1::Adopter ValidAdopter() {
  v1::Adopter adopter;
  adopter.set_status(v1::ADOPTER_APPROVED);
  *adopter.mutable_registered_interest_on() = MakeDate(2025, 1, 6);
  *adopter.mutable_applied_on() = MakeDate(2025, 3, 3);
  *adopter.mutable_approved_on() = MakeDate(2025, 9, 1);
  adopter.set_approved_for(2);
  adopter.set_min_age_months(0);
  adopter.set_max_age_months(60);
  adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  v1::NeedLimit* limit = adopter.add_need_limits();
  limit->set_category(v1::LEARNING_DISABILITY);
  limit->set_max_level(v1::NEED_LEVEL_MILD);
  adopter.add_heritage(v1::WHITE_BRITISH);
  adopter.set_religion(v1::CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region("south-yorkshire");
  adopter.set_max_contact(v1::CONTACT_LETTERBOX);
  adopter.set_fast_track(v1::FAST_TRACK_NONE);
  return adopter;
}

v1::Authority ValidAuthority(absl::string_view display_name,
                             absl::string_view region) {
  v1::Authority authority;
  authority.set_display_name(std::string(display_name));
  authority.set_kind(v1::LOCAL_AUTHORITY);
  authority.set_region(std::string(region));
  return authority;
}

ScratchDir::ScratchDir() {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base += '/';
  std::string pattern = base + "raa_registry_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << ") failed";
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::File(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

std::vector<std::string> ViolationFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

std::vector<std::string> ViolationFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return fields;
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& violation : bad.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

namespace {

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

}  // namespace

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         absl::string_view service, int* serving_status) {
  // HealthCheckRequest is {string service = 1} and HealthCheckResponse is
  // {ServingStatus status = 1}: the same wire format as the well-known
  // StringValue and Int32Value, so no generated health stub is needed.
  google::protobuf::StringValue request;
  request.set_value(std::string(service));
  std::string request_bytes = request.SerializeAsString();
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                            request_buffer, &cq);
  call->StartCall();
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  int tag = 1;
  call->Finish(&response_buffer, &status, &tag);
  void* got_tag = nullptr;
  bool ok = false;
  if (!cq.Next(&got_tag, &ok) || got_tag != &tag || !ok) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "health call lost");
  }
  cq.Shutdown();
  while (cq.Next(&got_tag, &ok)) {
  }
  if (!status.ok()) return status;
  google::protobuf::Int32Value response;
  if (!response.ParseFromString(BytesOf(response_buffer))) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable response");
  }
  *serving_status = response.value();
  return status;
}

grpc::Status ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel, std::string* response) {
  // ServerReflectionRequest{list_services: ""}: field 7, wire type 2, empty.
  const std::string request_bytes("\x3a\x00", 2);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  // Each step is started, then waited for, one at a time.
  auto step = [&cq](int expected_tag) {
    void* tag = nullptr;
    bool ok = false;
    return cq.Next(&tag, &ok) && tag == reinterpret_cast<void*>(expected_tag) &&
           ok;
  };
  grpc::ByteBuffer reply;
  grpc::Status status;
  call->StartCall(reinterpret_cast<void*>(1));
  bool sent = step(1);
  if (sent) {
    call->Write(request, reinterpret_cast<void*>(2));
    sent = step(2);
  }
  if (sent) {
    call->WritesDone(reinterpret_cast<void*>(3));
    sent = step(3);
  }
  bool read = false;
  if (sent) {
    call->Read(&reply, reinterpret_cast<void*>(4));
    read = step(4);
  }
  call->Finish(&status, reinterpret_cast<void*>(5));
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(5)) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return status;
  if (!read) return grpc::Status(grpc::StatusCode::INTERNAL, "no reply");
  *response = BytesOf(reply);
  return status;
}

}  // namespace raa::test
