// raa-grpc-floor: the floor under issue 11's throughput aims. A gRPC server
// built and run as raamatchd is (the same gRPC library, the callback API,
// the default health check service, one listening port, jemalloc, no
// lock-order checks) whose MatchingService answers RankAdopters and
// RankChildren with bytes read from files, through the unary callback path
// raamatchd's methods take, and does nothing else: no key is checked,
// nothing is parsed, ranked, audited, built or serialised. What a call costs
// it is what gRPC, HTTP/2, the kernel and the loopback cost for that request
// and that response, which no implementation of the method on gRPC goes
// below.
//
//   raa-grpc-floor --port-file port --answer basic.req:basic.res
//
// Each --answer pairs a request with its response: a request whose bytes
// are those of REQUEST (as raa-loadgen --write-request writes it, gRPC-
// framed) is answered with the bytes of RESPONSE (a serialised response
// message, as raa-loadgen --write-response writes the one raamatchd gave).
// Any other request, and every other method, answers UNIMPLEMENTED;
// grpc.health.v1.Health/Check answers SERVING, from the same health service
// raamatchd uses. bench/grpc_bench.sh --floor drives it beside raamatchd.
// Stops on SIGTERM or SIGINT.

#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "raa/v1/matching.grpc.pb.h"

// As raamatchd's (services/server/main.cc), read by jemalloc as it starts.
extern "C" const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";

namespace {

using Base = raa::v1::MatchingService::WithRawCallbackMethod_RankAdopters<
    raa::v1::MatchingService::WithRawCallbackMethod_RankChildren<
        raa::v1::MatchingService::CallbackService>>;

// The two rankings answered with fixed bytes, chosen by the request's
// bytes; the rest of MatchingService is CallbackService's (UNIMPLEMENTED).
class Floor final : public Base {
 public:
  // Each request's bytes (unframed) and the response to answer it with.
  explicit Floor(absl::flat_hash_map<std::string, grpc::ByteBuffer> answers)
      : answers_(std::move(answers)) {}

  grpc::ServerUnaryReactor* RankAdopters(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return Answer(context, *request, response);
  }

  grpc::ServerUnaryReactor* RankChildren(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return Answer(context, *request, response);
  }

 private:
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer& request,
                                   grpc::ByteBuffer* response) const {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    grpc::Slice bytes;
    auto it =
        request.DumpToSingleSlice(&bytes).ok()
            ? answers_.find(absl::string_view(
                  reinterpret_cast<const char*>(bytes.begin()), bytes.size()))
            : answers_.end();
    if (it == answers_.end()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                   "no answer for this request"));
      return reactor;
    }
    *response = it->second;  // the slices are shared, not copied
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  const absl::flat_hash_map<std::string, grpc::ByteBuffer> answers_;
};

// The bytes of `path`, or nothing (said on stderr).
std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    std::cerr << "raa-grpc-floor: cannot read " << path << "\n";
    return std::nullopt;
  }
  return bytes;
}

// A gRPC frame's message: past the 5-byte prefix (uncompressed, its length
// the rest's), or nothing.
std::optional<std::string> Unframed(const std::string& frame) {
  if (frame.size() < 5 || frame[0] != 0) return std::nullopt;
  uint32_t length = 0;
  for (int i = 1; i < 5; ++i) {
    length = (length << 8) | static_cast<unsigned char>(frame[i]);
  }
  if (length != frame.size() - 5) return std::nullopt;
  return frame.substr(5);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "raa-grpc-floor: gRPC answering canned bytes, the floor of a "
      "call's cost"};
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::vector<std::string> answer_args;
  app.add_option("--listen", listen, "address (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "write the bound port here once serving");
  app.add_option("--answer", answer_args,
                 "REQUEST:RESPONSE: answer RankAdopters or RankChildren "
                 "called with REQUEST's bytes (gRPC-framed) with RESPONSE's "
                 "(a serialised response); repeatable");
  CLI11_PARSE(app, argc, argv);

  absl::flat_hash_map<std::string, grpc::ByteBuffer> answers;
  for (const std::string& arg : answer_args) {
    const size_t colon = arg.rfind(':');
    std::optional<std::string> request, response;
    if (colon == std::string::npos ||
        !(request = ReadFile(arg.substr(0, colon))).has_value() ||
        !(response = ReadFile(arg.substr(colon + 1))).has_value()) {
      std::cerr << "raa-grpc-floor: --answer wants REQUEST:RESPONSE, two "
                   "readable files; got "
                << arg << "\n";
      return 2;
    }
    std::optional<std::string> message = Unframed(*request);
    if (!message.has_value()) {
      std::cerr << "raa-grpc-floor: " << arg.substr(0, colon)
                << " is not one gRPC frame\n";
      return 2;
    }
    grpc::Slice slice(*response);
    answers.insert_or_assign(*std::move(message), grpc::ByteBuffer(&slice, 1));
  }
  Floor floor(std::move(answers));

  // The signals are waited for on this thread, not handled.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // As raamatchd runs (services/server/main.cc): no lock-order checking,
  // and jemalloc with the same settings (malloc_conf, above).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&floor);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "raa-grpc-floor: cannot listen on " << listen << "\n";
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!port_file.empty()) {
    std::ofstream out(port_file + ".tmp");
    out << port << "\n";
    out.close();
    if (!out || std::rename((port_file + ".tmp").c_str(), port_file.c_str())) {
      std::cerr << "raa-grpc-floor: cannot write " << port_file << "\n";
      return 1;
    }
  }
  std::cerr << "raa-grpc-floor serving on port " << port << "\n";
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}
