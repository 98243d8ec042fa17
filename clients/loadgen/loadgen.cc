// raa-loadgen: a fixed number of calls from several concurrent streams against
// a running raamatchd, with calls per second and p50 / p99 latency.
//
//   raa-loadgen --server 127.0.0.1:50051 --key "$KEY" --method rank
//   raa-loadgen --key "$KEY" --method health --streams 8 --calls 5000
//   raa-loadgen --server raa.example.org:50051 --ca ca.crt --key "$KEY"
//
// Over TLS: --ca verifies the server (and implies --tls); --cert and
// --client-key show a member's client certificate to a server that requires
// one (the key must be that member's).
//
// The key is a family finder's (raa-demo --keys-out writes some).
//
// Methods:
//   rank    MatchingService.RankAdopters (--page-size, default 20) for
//           waiting children drawn at random (listed first with ListChildren
//           status=waiting);
//   health  grpc.health.v1.Health/Check with an empty request: the server's
//           cheapest call, the yardstick for the others.
//
// Each stream is one thread with its own channel and its own TCP connection
// (a local subchannel pool), making blocking calls one after another, each
// with the key and a deadline (streams connect before the warm-up; a call
// waits for the connection if it drops). Both methods go through the same
// blocking unary call path (the generated stubs'
// grpc::internal::BlockingUnaryCall; Health/Check is called with pre-serialized
// bytes, so no health stub is needed). Every stream makes --warmup calls first,
// not counted. Exits 1 if any counted call fails.
//
// --no-parse takes RankAdopters responses as bytes (the request is still
// built and serialized per call): when the load generator shares the
// server's cores, parsing 20 explained households per call is client CPU
// that would otherwise be charged to the server's rate.
//
// Prints one line of results, and a `result:` line of key=value pairs for
// scripts (bench/grpc_bench.sh).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/lib/client.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"

namespace raa {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kRankAdopters[] = "/raa.v1.MatchingService/RankAdopters";
// HealthCheckResponse{status: SERVING}: field 1, varint 1.
constexpr char kServing[] = "\x08\x01";

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string key;
  int streams = 4;
  int calls = 1000;
  std::string method = "rank";
  int warmup = 20;
  int page_size = 20;
  bool basic = false;  // RANK_VIEW_BASIC: scores without reasons
  uint64_t seed = 1;
  int deadline_ms = 10000;
  bool no_parse = false;
  ClientTlsFiles tls_files;
  ClientTls tls;  // read from tls_files
};

// What one stream measured.
struct StreamResult {
  std::vector<double> latencies_ms;
  int errors = 0;
  std::string first_error;
  int64_t response_bytes = 0;
};

// A channel of its own: a local subchannel pool, so that streams do not
// share one TCP connection.
std::shared_ptr<grpc::Channel> NewChannel(const Options& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(options.server,
                                   ChannelCredentialsFor(options.tls), args);
}

// The key and the deadline. Calls wait for a connection rather than fail at
// once while the channel reconnects (a connect that fails once would
// otherwise fail every call of the stream until the channel's backoff ends);
// the wait counts in the call's latency.
void Prepare(grpc::ClientContext& context, const Options& options) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", options.key));
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(options.deadline_ms));
  context.set_wait_for_ready(true);
}

// Every waiting child profile's name.
absl::StatusOr<std::vector<std::string>> WaitingChildren(
    const Options& options) {
  RaaClient client(
      {.server = options.server, .key = options.key, .tls = options.tls});
  std::vector<std::string> names;
  v1::ListChildrenRequest request;
  request.set_parent("authorities/-");
  request.set_status(v1::CHILD_STATUS_WAITING);
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListChildrenResponse> page =
        client.Call(&v1::RegistryService::Stub::ListChildren, request);
    if (!page.ok()) return page.status();
    for (const v1::Child& c : page->children()) names.push_back(c.name());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (names.empty()) {
    return absl::FailedPreconditionError("no waiting children to rank for");
  }
  return names;
}

// One stream's connection: its channel, stubs and choice of children.
class LoadStream {
 public:
  LoadStream(const Options& options, const std::vector<std::string>& children,
             uint64_t seed)
      : options_(options),
        children_(children),
        channel_(NewChannel(options)),
        matching_(v1::MatchingService::NewStub(channel_)),
        health_(kHealthCheck, grpc::internal::RpcMethod::NORMAL_RPC, channel_),
        rank_raw_(kRankAdopters, grpc::internal::RpcMethod::NORMAL_RPC,
                  channel_),
        rng_(seed) {}

  // Connects the channel, within the call deadline.
  bool Connect() {
    return channel_->WaitForConnected(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(options_.deadline_ms));
  }

  // One call of --method; adds the response's size to `response_bytes`.
  grpc::Status Call(int64_t& response_bytes) {
    grpc::ClientContext context;
    Prepare(context, options_);
    if (options_.method == "health") {
      grpc::ByteBuffer request(&empty_slice_, 1);  // empty HealthCheckRequest
      grpc::ByteBuffer response;
      grpc::Status status =
          grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
              channel_.get(), health_, &context, request, &response);
      if (!status.ok()) return status;
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (response.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices) {
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
      }
      response_bytes += static_cast<int64_t>(bytes.size());
      if (bytes != std::string(kServing, 2)) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not SERVING");
      }
      return status;
    }
    v1::RankAdoptersRequest request;
    request.set_child(children_[std::uniform_int_distribution<size_t>(
        0, children_.size() - 1)(rng_)]);
    request.set_page_size(options_.page_size);
    request.set_view(options_.basic ? v1::RANK_VIEW_BASIC : v1::RANK_VIEW_FULL);
    if (options_.no_parse) {
      grpc::Slice bytes(request.SerializeAsString());
      grpc::ByteBuffer raw_request(&bytes, 1);
      grpc::ByteBuffer raw_response;
      grpc::Status status =
          grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
              channel_.get(), rank_raw_, &context, raw_request, &raw_response);
      response_bytes += static_cast<int64_t>(raw_response.Length());
      return status;
    }
    v1::RankAdoptersResponse response;
    grpc::Status status = matching_->RankAdopters(&context, request, &response);
    response_bytes += static_cast<int64_t>(response.ByteSizeLong());
    return status;
  }

 private:
  const Options& options_;
  const std::vector<std::string>& children_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  grpc::internal::RpcMethod health_;
  grpc::internal::RpcMethod rank_raw_;
  grpc::Slice empty_slice_;
  std::mt19937_64 rng_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i =
      static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

int Run(const Options& options) {
  std::vector<std::string> children;
  if (options.method == "rank") {
    absl::StatusOr<std::vector<std::string>> waiting = WaitingChildren(options);
    if (!waiting.ok()) {
      std::cerr << "raa-loadgen: listing waiting children: " << waiting.status()
                << "\n";
      return 1;
    }
    children = *std::move(waiting);
  }

  std::vector<StreamResult> results(options.streams);
  std::vector<std::unique_ptr<LoadStream>> load_streams;
  for (int s = 0; s < options.streams; ++s) {
    load_streams.push_back(std::make_unique<LoadStream>(
        options, children, options.seed * 7919 + static_cast<uint64_t>(s)));
    if (!load_streams.back()->Connect()) {
      std::cerr << "raa-loadgen: stream " << s << " cannot connect to "
                << options.server << "\n";
      return 1;
    }
  }
  std::latch ready(options.streams);  // every stream warmed up
  std::latch go(1);                   // the clock has started
  std::vector<std::thread> threads;
  for (int s = 0; s < options.streams; ++s) {
    threads.emplace_back([&, s] {
      StreamResult& r = results[s];
      LoadStream& stream = *load_streams[s];
      int64_t ignored = 0;
      for (int i = 0; i < options.warmup; ++i) (void)stream.Call(ignored);
      ready.count_down();
      go.wait();
      r.latencies_ms.reserve(options.calls);
      for (int i = 0; i < options.calls; ++i) {
        const SteadyClock::time_point t0 = SteadyClock::now();
        grpc::Status status = stream.Call(r.response_bytes);
        r.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(SteadyClock::now() - t0)
                .count());
        if (!status.ok()) {
          if (r.errors++ == 0) {
            r.first_error =
                absl::StrCat(status.error_code(), " ", status.error_message());
          }
        }
      }
    });
  }
  ready.wait();
  const SteadyClock::time_point start = SteadyClock::now();
  go.count_down();
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(SteadyClock::now() - start).count();

  std::vector<double> latencies;
  int errors = 0;
  int64_t bytes = 0;
  for (const StreamResult& r : results) {
    latencies.insert(latencies.end(), r.latencies_ms.begin(),
                     r.latencies_ms.end());
    errors += r.errors;
    bytes += r.response_bytes;
    if (r.errors > 0) {
      std::cerr << "raa-loadgen: " << r.errors
                << " failed calls, first: " << r.first_error << "\n";
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const double total = static_cast<double>(latencies.size());
  const double rate = total / seconds;
  const double p50 = Percentile(latencies, 0.50);
  const double p99 = Percentile(latencies, 0.99);
  const double mean_bytes = total > 0 ? static_cast<double>(bytes) / total : 0;

  const bool unparsed = options.method == "rank" && options.no_parse;
  std::cout << absl::StrFormat(
      "raa-loadgen %s%s: %d streams x %d calls%s: %.0f calls/s, p50 %.3f ms, "
      "p99 %.3f ms, %d errors, %.2f s, %.0f response bytes/call\n",
      options.method, unparsed ? " (responses unparsed)" : "", options.streams,
      options.calls,
      options.method == "rank"
          ? absl::StrCat(" (", children.size(), " waiting children)")
          : "",
      rate, p50, p99, errors, seconds, mean_bytes);
  std::cout << absl::StrFormat(
      "result: method=%s parsed=%s streams=%d calls=%d errors=%d "
      "seconds=%.3f calls_per_s=%.1f p50_ms=%.3f p99_ms=%.3f\n",
      options.method, unparsed ? "no" : "yes", options.streams,
      static_cast<int>(total), errors, seconds, rate, p50, p99);
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace raa

int main(int argc, char** argv) {
  raa::Options options;
  CLI::App app{"raa-loadgen: concurrent calls against raamatchd"};
  app.add_option("--server", options.server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--key", options.key, "a family finder key")
      ->required()
      ->envname("RAA_KEY");
  app.add_option("--streams", options.streams, "concurrent client threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--calls", options.calls, "calls per stream")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--method", options.method, "rank or health")
      ->capture_default_str()
      ->check(CLI::IsMember({"rank", "health"}));
  app.add_option("--warmup", options.warmup,
                 "uncounted calls per stream before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--page-size", options.page_size,
                 "households per RankAdopters call (1-100)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--seed", options.seed, "seed for choosing children")
      ->capture_default_str();
  app.add_option("--deadline-ms", options.deadline_ms, "deadline of each call")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_flag("--basic", options.basic,
               "rank with view BASIC: names and scores, no reasons");
  app.add_flag("--no-parse", options.no_parse,
               "rank: take responses as bytes, unparsed (keeps the client's "
               "CPU out of the figures when it shares the server's cores)");
  app.add_flag("--tls", options.tls_files.tls,
               "connect with TLS, trusting the public CAs gRPC ships");
  app.add_option("--ca", options.tls_files.ca_file,
                 "PEM CA that signed the server's certificate (implies --tls)")
      ->envname("RAA_CA");
  app.add_option("--cert", options.tls_files.cert_file,
                 "PEM client certificate, for a server that requires one")
      ->envname("RAA_CERT");
  app.add_option("--client-key", options.tls_files.key_file,
                 "PEM private key of --cert")
      ->envname("RAA_CLIENT_KEY");
  CLI11_PARSE(app, argc, argv);
  absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(options.tls_files);
  if (!tls.ok()) {
    std::cerr << "raa-loadgen: " << tls.status().message() << "\n";
    return 2;
  }
  options.tls = *std::move(tls);
  return raa::Run(options);
}
