#include "tests/support/grpc_calls.h"

#include <vector>

#include "google/protobuf/wrappers.pb.h"
#include "grpcpp/generic/generic_stub.h"

namespace raa::test {
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
