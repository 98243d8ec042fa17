#include "services/rpc/checked_service.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>

#include <cstdlib>
#include <iostream>
#include <new>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "services/rpc/wire_check.h"

namespace raa {
namespace {

// The request of a call refused before its handler ran: what to answer.
struct RefusedRequest {
  grpc::Status status;
};

}  // namespace
}  // namespace raa

namespace grpc {
// A RefusedRequest is made by the server, never read off the wire; gRPC's
// handler templates only need this to exist.
template <>
class SerializationTraits<raa::RefusedRequest, void> {
 public:
  static Status Deserialize(ByteBuffer* /*buffer*/,
                            raa::RefusedRequest* /*request*/) {
    return Status(StatusCode::INTERNAL, "a refused request is not decoded");
  }
};
}  // namespace grpc

namespace raa {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::MethodDescriptor;
using ::grpc::internal::MethodHandler;

// Checks the bytes of `buffer` without taking them. A request usually comes
// in one slice and is read in place; several are joined first.
absl::Status CheckBytes(grpc_byte_buffer* buffer, const Descriptor& type) {
  if (buffer == nullptr) {
    return absl::InvalidArgumentError("the call carries no request message");
  }
  grpc_byte_buffer_reader reader;
  if (!grpc_byte_buffer_reader_init(&reader, buffer)) {
    return absl::InvalidArgumentError("the request message cannot be read");
  }
  absl::InlinedVector<grpc_slice, 2> slices;
  grpc_slice slice;
  while (grpc_byte_buffer_reader_next(&reader, &slice) != 0) {
    slices.push_back(slice);
  }
  grpc_byte_buffer_reader_destroy(&reader);
  auto view = [](const grpc_slice& s) {
    return absl::string_view(
        reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(s)),
        GRPC_SLICE_LENGTH(s));
  };
  absl::Status status;
  if (slices.size() == 1) {
    status = CheckWireFormat(type, view(slices[0]));
  } else {
    std::string joined;
    for (const grpc_slice& s : slices) absl::StrAppend(&joined, view(s));
    status = CheckWireFormat(type, joined);
  }
  for (grpc_slice& s : slices) grpc_slice_unref(s);
  return status;
}

// Holds a refused unary call's request and (unused) response in the call's
// arena, as CallbackUnaryHandler expects of its MessageHolder.
class RefusedUnaryCall final
    : public grpc::MessageHolder<RefusedRequest, grpc::ByteBuffer> {
 public:
  explicit RefusedUnaryCall(grpc::Status status) : request_{std::move(status)} {
    set_request(&request_);
    set_response(&response_);
  }
  void Release() override { this->~RefusedUnaryCall(); }  // arena memory

 private:
  RefusedRequest request_;
  grpc::ByteBuffer response_;
};

// Ends a refused server-streaming call at once with its status.
class RefusedStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// One method: checks the bytes, then hands them to the generated handler or
// answers the refusal through gRPC's own handlers for a RefusedRequest.
class CheckedHandler final : public MethodHandler {
 public:
  CheckedHandler(MethodHandler& generated, const MethodDescriptor& method)
      : generated_(generated),
        method_(method),
        refuse_unary_([](grpc::CallbackServerContext* ctx,
                         const RefusedRequest* request, grpc::ByteBuffer*) {
          grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
          reactor->Finish(request->status);
          return reactor;
        }),
        refuse_stream_(
            [](grpc::CallbackServerContext*, const RefusedRequest* request) {
              return new RefusedStream(request->status);
            }) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request,
                    grpc::Status* status, void** handler_data) override {
    absl::Status check = CheckBytes(request, *method_.input_type());
    if (!check.ok()) {
      if (request != nullptr) grpc_byte_buffer_destroy(request);
      *status = ToGrpcStatus(check);
      return nullptr;
    }
    void* decoded = generated_.Deserialize(call, request, status, handler_data);
    if (decoded == nullptr) {
      // The check let through bytes protobuf refuses: a bug in the check
      // (tests/rpc/wire_check_test.cc holds the two equal). The generated
      // handler answers as gRPC does, so that what it holds is released.
      std::cerr << "raamatchd: " << method_.full_name()
                << ": protobuf refused a request the wire check accepted\n";
      if (*handler_data == nullptr) {
        *status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("the request is not a well-formed ",
                                            method_.input_type()->full_name()));
      }
    }
    return decoded;
  }

  void RunHandler(const HandlerParameter& param) override {
    // Whatever the generated handler decoded, it runs (and releases).
    if (param.request != nullptr || param.internal_data != nullptr) {
      generated_.RunHandler(param);
      return;
    }
    grpc::Status status =
        param.status.ok() ? grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                         "the call carries no request message")
                          : param.status;
    grpc_call* call = param.call->call();
    if (method_.server_streaming()) {
      auto* request = new (grpc_call_arena_alloc(call, sizeof(RefusedRequest)))
          RefusedRequest{std::move(status)};
      refuse_stream_.RunHandler(
          HandlerParameter(param.call, param.server_context, request,
                           grpc::Status::OK, nullptr, param.call_requester));
    } else {
      auto* holder = new (grpc_call_arena_alloc(call, sizeof(RefusedUnaryCall)))
          RefusedUnaryCall(std::move(status));
      refuse_unary_.RunHandler(
          HandlerParameter(param.call, param.server_context, holder->request(),
                           grpc::Status::OK, holder, param.call_requester));
    }
  }

 private:
  MethodHandler& generated_;
  const MethodDescriptor& method_;
  grpc::internal::CallbackUnaryHandler<RefusedRequest, grpc::ByteBuffer>
      refuse_unary_;
  grpc::internal::CallbackServerStreamingHandler<RefusedRequest,
                                                 grpc::ByteBuffer>
      refuse_stream_;
};

// Passes a call through untouched (client and bidi streaming).
class PassThroughHandler final : public MethodHandler {
 public:
  explicit PassThroughHandler(MethodHandler& generated)
      : generated_(generated) {}
  void* Deserialize(grpc_call* call, grpc_byte_buffer* request,
                    grpc::Status* status, void** handler_data) override {
    return generated_.Deserialize(call, request, status, handler_data);
  }
  void RunHandler(const HandlerParameter& param) override {
    generated_.RunHandler(param);
  }

 private:
  MethodHandler& generated_;
};

// grpc::Service keeps a service's handlers behind a protected accessor. A
// class derived from it may name that accessor, and the member pointer it
// forms applies to any Service: so the handlers of a service this class does
// not own can be read without changing the service.
class HandlerAccess : public grpc::Service {
 public:
  static MethodHandler* Of(grpc::Service& service, int index) {
    return (service.*&HandlerAccess::GetHandler)(index);
  }
};

grpc::internal::RpcMethod::RpcType TypeOf(const MethodDescriptor& method) {
  using Type = grpc::internal::RpcMethod;
  if (method.client_streaming()) {
    return method.server_streaming() ? Type::BIDI_STREAMING
                                     : Type::CLIENT_STREAMING;
  }
  return method.server_streaming() ? Type::SERVER_STREAMING : Type::NORMAL_RPC;
}

}  // namespace

WireCheckedService::WireCheckedService(grpc::Service& service,
                                       absl::string_view full_name) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(full_name));
  if (descriptor == nullptr) {
    std::cerr << "raamatchd: no descriptor for service " << full_name << "\n";
    std::abort();
  }
  // The generated service adds its methods in the proto's order, so method i
  // of the descriptor is handler i of the service.
  for (int i = 0; i < descriptor->method_count(); ++i) {
    const MethodDescriptor& method = *descriptor->method(i);
    MethodHandler* generated = HandlerAccess::Of(service, i);
    paths_.push_back(std::make_unique<std::string>(
        absl::StrCat("/", descriptor->full_name(), "/", method.name())));
    AddMethod(new grpc::internal::RpcServiceMethod(paths_.back()->c_str(),
                                                   TypeOf(method), nullptr));
    MethodHandler* handler = nullptr;
    if (method.client_streaming()) {
      handler = new PassThroughHandler(*generated);
    } else {
      handler = new CheckedHandler(*generated, method);
    }
    MarkMethodCallback(i, handler);
  }
}

WireCheckedService::~WireCheckedService() = default;

}  // namespace raa
