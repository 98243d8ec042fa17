// CheckWireFormat without a network: the field it names for each kind of
// malformed request, and, on seeded random corruptions of valid requests of
// every RPC, the same verdict as protobuf's own parser (the reference).
#include "services/rpc/wire_check.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A string that is not UTF-8: a lone continuation byte.
const std::string kNotUtf8 = "caf\xe9 au lait";

// Serializes a message holding invalid UTF-8, which protobuf does (and
// complains about in its log, silenced here).
std::string BytesOf(const Message& message) {
  google::protobuf::LogSilencer quiet;
  return message.SerializeAsString();
}

std::vector<std::string> Descriptions(const absl::Status& status) {
  std::vector<std::string> out;
  for (const FieldViolation& v : ViolationsOf(status)) {
    out.push_back(v.description);
  }
  return out;
}

TEST(WireCheck, AWellFormedRequestPasses) {
  v1::CreateChildRequest request;
  request.set_parent("authorities/sheffield");
  *request.mutable_child() = ValidChild();
  request.set_request_id("r-1");
  EXPECT_THAT(
      CheckWireFormat(*request.GetDescriptor(), request.SerializeAsString()),
      IsOk());
  EXPECT_THAT(CheckWireFormat(*request.GetDescriptor(), ""), IsOk());
}

TEST(WireCheck, InvalidUtf8IsNamedByItsFieldPath) {
  v1::CreateChildRequest request;
  *request.mutable_child() = ValidChild();
  request.mutable_child()->set_summary(kNotUtf8);
  absl::Status status =
      CheckWireFormat(*request.GetDescriptor(), BytesOf(request));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(status.message(), "child.summary: is not valid UTF-8");
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));
}

TEST(WireCheck, RepeatedFieldsAreNamedWithTheirIndex) {
  v1::BatchCreateChildrenRequest batch;
  for (int i = 0; i < 3; ++i) {
    v1::CreateChildRequest* row = batch.add_requests();
    *row->mutable_child() = ValidChild();
    row->mutable_child()->add_members()->set_first_language("en");
  }
  batch.mutable_requests(2)
      ->mutable_child()
      ->mutable_members(1)
      ->set_first_language(kNotUtf8);
  absl::Status status = CheckWireFormat(*batch.GetDescriptor(), BytesOf(batch));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("requests[2].child.members[1].first_language"));

  v1::UpdateChildRequest update;
  update.mutable_update_mask()->add_paths("summary");
  update.mutable_update_mask()->add_paths(kNotUtf8);
  EXPECT_THAT(ViolationFields(
                  CheckWireFormat(*update.GetDescriptor(), BytesOf(update))),
              ElementsAre("update_mask.paths[1]"));
}

TEST(WireCheck, BytesThatAreNoMessageAreRefusedForTheRequestAsAWhole) {
  const Descriptor& type = *v1::CreateChildRequest::descriptor();
  for (const std::string& body :
       {std::string("\xff\xff\xff\xff\xff\xff", 6), std::string("\x00", 1),
        std::string("\x0c"), std::string("\x0f\x01"),
        std::string("hello, world")}) {
    absl::Status status = CheckWireFormat(type, body);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << body;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("the request is not a well-formed "
                           "raa.v1.CreateChildRequest"));
    EXPECT_THAT(ViolationFields(status), ElementsAre(""));
  }
}

TEST(WireCheck, AFieldCutShortIsNamed) {
  v1::CreateChildRequest request;
  *request.mutable_child() = ValidChild();
  std::string bytes = request.SerializeAsString();
  // The child is the only field: its length now runs past the end.
  bytes.pop_back();
  absl::Status status = CheckWireFormat(*request.GetDescriptor(), bytes);
  EXPECT_THAT(ViolationFields(status), ElementsAre("child"));
  EXPECT_THAT(Descriptions(status), ElementsAre(HasSubstr("cut short")));
}

TEST(WireCheck, GarbageInsideANestedMessageNamesThatMessage) {
  // child = {field 0 ...}: a tag protobuf never accepts.
  std::string bytes("\x12\x02\x00\x00", 4);
  absl::Status status =
      CheckWireFormat(*v1::CreateChildRequest::descriptor(), bytes);
  EXPECT_THAT(ViolationFields(status), ElementsAre("child"));
  EXPECT_THAT(Descriptions(status),
              ElementsAre(HasSubstr("is not a well-formed raa.v1.Child")));
}

TEST(WireCheck, UnknownFieldsAndMismatchedWireTypesAreKeptAsProtobufDoes) {
  // Field 99 (a newer client's) and `parent` (a string) sent as a varint:
  // protobuf keeps both as unknown fields, and so the request is valid.
  std::string bytes("\x98\x06\x01\x08\x05", 5);
  EXPECT_THAT(CheckWireFormat(*v1::CreateChildRequest::descriptor(), bytes),
              IsOk());
}

// --- Agreement with protobuf's parser ------------------------------------

// Every request type of the API.
std::vector<const Descriptor*> RequestTypes() {
  std::vector<const Descriptor*> out;
  for (const char* service : {v1::RegistryService::service_full_name(),
                              v1::AccessService::service_full_name(),
                              v1::MatchingService::service_full_name(),
                              v1::JourneyService::service_full_name()}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    EXPECT_NE(descriptor, nullptr) << service;
    if (descriptor == nullptr) continue;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      out.push_back(descriptor->method(i)->input_type());
    }
  }
  return out;
}

class RandomRequests {
 public:
  explicit RandomRequests(uint32_t seed) : rng_(seed) {}

  // Fills every field of `message` with random values, messages to `depth`.
  void Fill(Message& message, int depth) {
    const Reflection& r = *message.GetReflection();
    const Descriptor& type = *message.GetDescriptor();
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& f = *type.field(i);
      if (Below(3) == 0) continue;
      int n = f.is_repeated() ? Below(4) : 1;
      for (int k = 0; k < n; ++k) AddValue(message, r, f, depth);
    }
  }

  // A copy of `bytes` damaged one of several ways.
  std::string Corrupt(std::string bytes) {
    switch (Below(6)) {
      case 0:  // flip one byte
        if (!bytes.empty()) bytes[Below(bytes.size())] ^= 1 + Below(255);
        break;
      case 1:  // cut short
        bytes.resize(Below(bytes.size() + 1));
        break;
      case 2:  // random bytes inserted
        bytes.insert(Below(bytes.size() + 1), RandomBytes(1 + Below(6)));
        break;
      case 3:  // a bad UTF-8 sequence written over some bytes
        if (!bytes.empty()) {
          std::string bad = BadUtf8();
          size_t at = Below(bytes.size());
          bytes.replace(at, std::min(bad.size(), bytes.size() - at), bad);
        }
        break;
      case 4:  // a byte set to a varint continuation
        if (!bytes.empty()) bytes[Below(bytes.size())] |= 0x80;
        break;
      default:  // pure noise
        bytes = RandomBytes(Below(40));
    }
    return bytes;
  }

 private:
  int Below(size_t n) {
    return n == 0 ? 0 : static_cast<int>(rng_() % static_cast<uint32_t>(n));
  }
  std::string RandomBytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(rng_()));
    return s;
  }
  std::string BadUtf8() {
    static const char* kBad[] = {"\xff",
                                 "\xc0\x80",
                                 "\xed\xa0\x80",      // surrogate
                                 "\xf4\x90\x80\x80",  // > U+10FFFF
                                 "\xe2\x82",
                                 "\x80",
                                 "\xf8\x88\x80\x80\x80"};
    return kBad[Below(std::size(kBad))];
  }
  std::string Text() {
    static const char* kWords[] = {"sheffield", "é", "家族", "🙂",
                                   "a b",       "",  "ü",    "x"};
    std::string s;
    for (int i = Below(4); i > 0; --i) s += kWords[Below(std::size(kWords))];
    if (Below(8) == 0) s += BadUtf8();
    return s;
  }

  void AddValue(Message& m, const Reflection& r, const FieldDescriptor& f,
                int depth) {
    bool rep = f.is_repeated();
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth <= 0) return;
        Fill(rep ? *r.AddMessage(&m, &f) : *r.MutableMessage(&m, &f),
             depth - 1);
        return;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = f.type() == FieldDescriptor::TYPE_BYTES
                            ? RandomBytes(Below(5))
                            : Text();
        rep ? r.AddString(&m, &f, v) : r.SetString(&m, &f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f.enum_type();
        int v = e->value(Below(e->value_count()))->number();
        rep ? r.AddEnumValue(&m, &f, v) : r.SetEnumValue(&m, &f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r.AddBool(&m, &f, Below(2)) : r.SetBool(&m, &f, Below(2));
        return;
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = static_cast<int32_t>(rng_()) >> Below(32);
        rep ? r.AddInt32(&m, &f, v) : r.SetInt32(&m, &f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = static_cast<int64_t>(rng_()) << Below(32);
        rep ? r.AddInt64(&m, &f, v) : r.SetInt64(&m, &f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r.AddUInt32(&m, &f, rng_()) : r.SetUInt32(&m, &f, rng_());
        return;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r.AddUInt64(&m, &f, rng_()) : r.SetUInt64(&m, &f, rng_());
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r.AddDouble(&m, &f, rng_() / 7.0)
            : r.SetDouble(&m, &f, rng_() / 7.0);
        return;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r.AddFloat(&m, &f, rng_() / 7.0f)
            : r.SetFloat(&m, &f, rng_() / 7.0f);
        return;
    }
  }

  std::mt19937 rng_;
};

// The fast path (the wire check) and the reference (protobuf's parser) must
// agree on every input: a request the check passes must parse, and one it
// refuses must not, or a handler would meet bytes gRPC answers UNIMPLEMENTED.
TEST(WireCheck, AgreesWithProtobufsParserOnRandomlyDamagedRequests) {
  RandomRequests random(20261201);
  google::protobuf::LogSilencer quiet;  // protobuf's parser logs bad UTF-8
  int refused = 0;
  int checked = 0;
  for (const Descriptor* type : RequestTypes()) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            type);
    for (int i = 0; i < 400; ++i) {
      std::unique_ptr<Message> message(prototype->New());
      random.Fill(*message, 3);
      std::string bytes = message->SerializeAsString();
      if (i % 4 != 0) bytes = random.Corrupt(bytes);
      std::unique_ptr<Message> parsed(prototype->New());
      bool protobuf_ok = parsed->ParseFromString(bytes);
      absl::Status check = CheckWireFormat(*type, bytes);
      ++checked;
      if (!check.ok()) ++refused;
      ASSERT_EQ(check.ok(), protobuf_ok)
          << type->full_name() << " case " << i << ": " << check
          << "\nbytes: " << absl::CEscape(bytes);
      if (!check.ok()) {
        ASSERT_THAT(check, StatusIs(absl::StatusCode::kInvalidArgument));
        ASSERT_EQ(ViolationsOf(check).size(), 1u);
      }
    }
  }
  // The corruptions must exercise both answers.
  EXPECT_GT(refused, checked / 5);
  EXPECT_LT(refused, checked * 9 / 10);
}

TEST(WireCheck, NestingIsLimitedAsProtobufLimitsIt) {
  // 101 unknown groups inside each other: one level too deep for protobuf.
  std::string deep;
  for (int i = 0; i < 101; ++i) deep += "\xfb\x06";  // field 111, start group
  for (int i = 0; i < 101; ++i) deep += "\xfc\x06";  // field 111, end group
  std::string ok = deep.substr(2, deep.size() - 4);
  google::protobuf::LogSilencer quiet;
  v1::CreateChildRequest parsed;
  EXPECT_FALSE(parsed.ParseFromString(deep));
  EXPECT_TRUE(parsed.ParseFromString(ok));
  EXPECT_THAT(CheckWireFormat(*parsed.GetDescriptor(), deep),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckWireFormat(*parsed.GetDescriptor(), ok), IsOk());
}

}  // namespace
}  // namespace raa
