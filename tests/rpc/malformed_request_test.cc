// Requests whose bytes are not the request message, sent to a real server in
// this process by a raw client (grpc::GenericStub) that knows no generated
// code: every method of every service the server lists answers
// INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, nothing
// reaches protobuf's log, and a dynamic client that learns the types by
// server reflection alone can decode the error details.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/server/server.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/in_process_server.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::UnknownFieldSet;
using ::google::protobuf::internal::WireFormatLite;
using ::raa::test::IsOk;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Code = ::grpc::StatusCode;

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// What a raw call got back: every message and the final status.
struct RawReply {
  std::vector<std::string> messages;
  grpc::Status status;
};

// Calls `method` ("/pkg.Service/Method") with each of `bodies` as a message
// (none: the call carries no message), as a stream so that unary and
// streaming methods are called alike.
RawReply RawCall(const std::shared_ptr<grpc::Channel>& channel,
                 const std::string& method,
                 const std::vector<std::string>& bodies) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + test::kCallDeadline);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  int next_tag = 0;
  // Starts one step and waits for it.
  auto step = [&](auto&& start) {
    void* tag = reinterpret_cast<void*>(++next_tag);
    start(tag);
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && got == tag && ok;
  };
  RawReply reply;
  bool open = step([&](void* tag) { call->StartCall(tag); });
  for (const std::string& body : bodies) {
    grpc::Slice slice(body);
    grpc::ByteBuffer buffer(&slice, 1);
    open = open && step([&](void* tag) { call->Write(buffer, tag); });
  }
  open = open && step([&](void* tag) { call->WritesDone(tag); });
  grpc::ByteBuffer message;
  while (open && step([&](void* tag) { call->Read(&message, tag); })) {
    reply.messages.push_back(BytesOf(message));
  }
  step([&](void* tag) { call->Finish(&reply.status, tag); });
  cq.Shutdown();
  void* ignored;
  bool ok;
  while (cq.Next(&ignored, &ok)) {
  }
  return reply;
}

// A descriptor database fed by the server's reflection service: what a
// dynamic client (grpcurl, a script) knows of the API without any .proto.
// Debian ships no grpc::ProtoReflectionDescriptorDatabase, so this speaks
// grpc.reflection.v1alpha by hand: a ServerReflectionRequest is
// {file_by_filename = 3, file_containing_symbol = 4, list_services = 7}; the
// answer's file_descriptor_response (4) holds FileDescriptorProtos (1), and
// list_services_response (6) holds services (1) with a name (1).
class ReflectionDatabase : public google::protobuf::DescriptorDatabase {
 public:
  explicit ReflectionDatabase(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)) {}

  bool FindFileByName(const std::string& filename,
                      google::protobuf::FileDescriptorProto* output) override {
    if (!known_.FindFileByName(filename, output)) Ask(3, filename);
    return known_.FindFileByName(filename, output);
  }
  bool FindFileContainingSymbol(
      const std::string& symbol,
      google::protobuf::FileDescriptorProto* output) override {
    if (!known_.FindFileContainingSymbol(symbol, output)) Ask(4, symbol);
    return known_.FindFileContainingSymbol(symbol, output);
  }
  bool FindFileContainingExtension(
      const std::string&, int,
      google::protobuf::FileDescriptorProto*) override {
    return false;
  }

  std::vector<std::string> ListServices() {
    std::vector<std::string> names;
    for (const std::string& bytes : Ask(7, "")) {
      UnknownFieldSet answer;
      answer.ParseFromString(bytes);
      for (int i = 0; i < answer.field_count(); ++i) {
        if (answer.field(i).number() != 6) continue;
        UnknownFieldSet list;
        list.ParseFromString(answer.field(i).length_delimited());
        for (int j = 0; j < list.field_count(); ++j) {
          UnknownFieldSet service;
          service.ParseFromString(list.field(j).length_delimited());
          names.push_back(service.field(0).length_delimited());
        }
      }
    }
    return names;
  }

 private:
  // Sends one request; keeps the files in the answers and returns them.
  std::vector<std::string> Ask(int field, const std::string& value) {
    std::string request;
    {
      google::protobuf::io::StringOutputStream stream(&request);
      google::protobuf::io::CodedOutputStream out(&stream);
      WireFormatLite::WriteString(field, value, &out);
    }
    RawReply reply = RawCall(
        channel_,
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        {request});
    EXPECT_THAT(reply.status, IsOk());
    for (const std::string& bytes : reply.messages) {
      UnknownFieldSet answer;
      EXPECT_TRUE(answer.ParseFromString(bytes));
      for (int i = 0; i < answer.field_count(); ++i) {
        if (answer.field(i).number() != 4) continue;
        UnknownFieldSet files;
        files.ParseFromString(answer.field(i).length_delimited());
        for (int j = 0; j < files.field_count(); ++j) {
          google::protobuf::FileDescriptorProto file;
          if (file.ParseFromString(files.field(j).length_delimited())) {
            google::protobuf::FileDescriptorProto ignored;
            if (!known_.FindFileByName(file.name(), &ignored)) {
              known_.AddAndOwn(new google::protobuf::FileDescriptorProto(file));
            }
          }
        }
      }
    }
    return reply.messages;
  }

  std::shared_ptr<grpc::Channel> channel_;
  google::protobuf::SimpleDescriptorDatabase known_;
};

// The bytes of a `type` message whose first string field (found depth
// first, through message fields) is `value`, and that field's path.
struct StringProbe {
  std::string bytes;
  std::string path;
};
bool ProbeFirstString(const Descriptor& type, const std::string& value,
                      int depth, StringProbe* probe) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& f = *type.field(i);
    std::string name =
        f.is_repeated() ? absl::StrCat(f.name(), "[0]") : f.name();
    std::string inner;
    if (f.type() == FieldDescriptor::TYPE_STRING) {
      inner = value;
    } else if (f.type() == FieldDescriptor::TYPE_MESSAGE && depth > 0) {
      StringProbe nested;
      if (!ProbeFirstString(*f.message_type(), value, depth - 1, &nested)) {
        continue;
      }
      inner = nested.bytes;
      name = absl::StrCat(name, ".", nested.path);
    } else {
      continue;
    }
    google::protobuf::io::StringOutputStream stream(&probe->bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    WireFormatLite::WriteBytes(f.number(), inner, &out);
    probe->path = name;
    return true;
  }
  return false;
}

// Every line protobuf logs while a test runs.
class ProtobufLog {
 public:
  ProtobufLog() { previous_ = google::protobuf::SetLogHandler(&Record); }
  ~ProtobufLog() { google::protobuf::SetLogHandler(previous_); }
  static std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  static void Record(google::protobuf::LogLevel, const char* file, int line,
                     const std::string& message) {
    absl::MutexLock lock(&mu_);
    lines_.push_back(absl::StrCat(file, ":", line, " ", message));
  }
  google::protobuf::LogHandler* previous_;
  static absl::Mutex mu_;
  static std::vector<std::string> lines_;
};
absl::Mutex ProtobufLog::mu_;
std::vector<std::string> ProtobufLog::lines_;

class MalformedRequestTest : public test::InProcessServerTest {
 protected:
  // The methods of every raa service the server lists by reflection.
  std::vector<const google::protobuf::MethodDescriptor*> ServedMethods() {
    std::vector<const google::protobuf::MethodDescriptor*> methods;
    ReflectionDatabase reflection(channel_);
    for (const std::string& name : reflection.ListServices()) {
      if (!absl::StartsWith(name, "raa.")) continue;
      const auto* service =
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

  static std::string PathOf(const google::protobuf::MethodDescriptor& m) {
    return absl::StrCat("/", m.service()->full_name(), "/", m.name());
  }
};

TEST_F(MalformedRequestTest,
       InvalidUtf8InAnyRpcIsInvalidArgumentNamingTheField) {
  ProtobufLog log;
  std::vector<const google::protobuf::MethodDescriptor*> methods =
      ServedMethods();
  ASSERT_GE(methods.size(), 20u);
  int probed = 0;
  for (const auto* method : methods) {
    StringProbe probe;
    if (!ProbeFirstString(*method->input_type(), "Zo\xeb", 3, &probe)) {
      continue;  // a request with no string field
    }
    ++probed;
    RawReply reply = RawCall(channel_, PathOf(*method), {probe.bytes});
    EXPECT_THAT(reply.status, StatusIs(Code::INVALID_ARGUMENT))
        << method->full_name();
    EXPECT_EQ(reply.status.error_message(),
              absl::StrCat(probe.path, ": is not valid UTF-8"))
        << method->full_name();
    EXPECT_THAT(ViolationFields(reply.status), ElementsAre(probe.path))
        << method->full_name();
    EXPECT_THAT(reply.messages, IsEmpty());
  }
  // Requests with no string field at all (GetMatchingPolicy,
  // GetReasonCatalog, GetTimescales, ...; the ledger's GetFeeSchedule,
  // ListFeeSchedules, GetBalances and PlanSettlement) are the only ones left
  // out.
  EXPECT_GE(probed, static_cast<int>(methods.size()) - 8);
  EXPECT_THAT(ProtobufLog::Lines(), IsEmpty());
}

TEST_F(MalformedRequestTest, ABodyThatIsNoRequestMessageIsInvalidArgument) {
  ProtobufLog log;
  std::vector<const google::protobuf::MethodDescriptor*> methods =
      ServedMethods();
  ASSERT_GE(methods.size(), 20u);
  for (const auto* method : methods) {
    for (const std::string& body : {std::string("\xff\xff\xff\xff\xff\xff", 6),
                                    std::string("\x0a\x40short", 7)}) {
      RawReply reply = RawCall(channel_, PathOf(*method), {body});
      EXPECT_THAT(reply.status, StatusIs(Code::INVALID_ARGUMENT))
          << method->full_name() << " " << absl::CEscape(body);
      EXPECT_EQ(ViolationFields(reply.status).size(), 1u)
          << method->full_name();
    }
  }
  // Garbage at the top of the request names the request as a whole.
  RawReply reply = RawCall(channel_, "/raa.v1.RegistryService/CreateChild",
                           {std::string("\xff\xff\xff\xff\xff\xff", 6)});
  EXPECT_THAT(reply.status.error_message(),
              StartsWith("the request is not a well-formed "
                         "raa.v1.CreateChildRequest"));
  EXPECT_THAT(ViolationFields(reply.status), ElementsAre(""));
  EXPECT_THAT(ProtobufLog::Lines(), IsEmpty());
}

TEST_F(MalformedRequestTest, ACallWithNoMessageIsInvalidArgument) {
  for (const char* method : {"/raa.v1.RegistryService/GetChild",
                             "/raa.v1.MatchingService/WatchMatches"}) {
    RawReply reply = RawCall(channel_, method, {});
    EXPECT_THAT(reply.status, StatusIs(Code::INVALID_ARGUMENT)) << method;
  }
}

TEST_F(MalformedRequestTest, WellFormedRequestsStillReachTheirHandlers) {
  // No key: the handler runs and refuses the caller, as before.
  v1::GetChildRequest request;
  request.set_name("authorities/sheffield/children/c1");
  RawReply reply = RawCall(channel_, "/raa.v1.RegistryService/GetChild",
                           {request.SerializeAsString()});
  EXPECT_THAT(reply.status, StatusIs(Code::UNAUTHENTICATED));
}

TEST_F(MalformedRequestTest, ADynamicClientDecodesBadRequestByReflection) {
  v1::CreateChildRequest request;
  request.mutable_child()->set_summary("Zo\xeb");
  std::string bytes;
  {
    google::protobuf::LogSilencer quiet;  // serializing bad UTF-8 logs
    bytes = request.SerializeAsString();
  }
  RawReply reply =
      RawCall(channel_, "/raa.v1.RegistryService/CreateChild", {bytes});
  ASSERT_THAT(reply.status, StatusIs(Code::INVALID_ARGUMENT));
  ASSERT_FALSE(reply.status.error_details().empty());

  // Everything below is learnt from the server: no generated code.
  ReflectionDatabase reflection(channel_);
  google::protobuf::DescriptorPool pool(&reflection);
  const Descriptor* status_type =
      pool.FindMessageTypeByName("google.rpc.Status");
  const Descriptor* bad_request_type =
      pool.FindMessageTypeByName("google.rpc.BadRequest");
  ASSERT_NE(status_type, nullptr);
  ASSERT_NE(bad_request_type, nullptr);
  ASSERT_NE(pool.FindServiceByName("raa.v1.RegistryService"), nullptr);

  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> status(
      factory.GetPrototype(status_type)->New());
  ASSERT_TRUE(status->ParseFromString(reply.status.error_details()));
  const auto* details = status_type->FindFieldByName("details");
  ASSERT_EQ(status->GetReflection()->FieldSize(*status, details), 1);
  const google::protobuf::Message& any =
      status->GetReflection()->GetRepeatedMessage(*status, details, 0);
  const auto* any_reflection = any.GetReflection();
  std::string type_url = any_reflection->GetString(
      any, any.GetDescriptor()->FindFieldByName("type_url"));
  EXPECT_EQ(type_url, "type.googleapis.com/google.rpc.BadRequest");
  const Descriptor* named =
      pool.FindMessageTypeByName(type_url.substr(type_url.rfind('/') + 1));
  ASSERT_EQ(named, bad_request_type);

  std::unique_ptr<google::protobuf::Message> bad(
      factory.GetPrototype(named)->New());
  ASSERT_TRUE(bad->ParseFromString(any_reflection->GetString(
      any, any.GetDescriptor()->FindFieldByName("value"))));
  const auto* violations = named->FindFieldByName("field_violations");
  ASSERT_EQ(bad->GetReflection()->FieldSize(*bad, violations), 1);
  const google::protobuf::Message& violation =
      bad->GetReflection()->GetRepeatedMessage(*bad, violations, 0);
  EXPECT_EQ(violation.GetReflection()->GetString(
                violation, violation.GetDescriptor()->FindFieldByName("field")),
            "child.summary");
  EXPECT_EQ(
      violation.GetReflection()->GetString(
          violation, violation.GetDescriptor()->FindFieldByName("description")),
      "is not valid UTF-8");
}

}  // namespace
}  // namespace raa
