// raa-loadgen: a fixed number of calls from several concurrent streams against
// a running raamatchd, with calls per second, p50 / p99 latency and, given
// the server's pid, the server's CPU time per call.
//
//   raa-loadgen --server 127.0.0.1:50051 --key "$KEY" --method rank
//   raa-loadgen --key "$KEY" --method children --view basic --server-pid 1234
//   raa-loadgen --key "$KEY" --method health --streams 8 --calls 5000
//   raa-loadgen --key "$KEY" --method rank --view full --write-request r.bin
//   raa-loadgen --server raa.example.org:50051 --ca ca.crt --key "$KEY"
//
// Over TLS: --ca verifies the server (and implies --tls); --cert and
// --client-key show a member's client certificate to a server that requires
// one (the key must be that member's).
//
// The key is a family finder's (raa-demo --keys-out writes some).
//
// Methods:
//   rank      MatchingService.RankAdopters (--page-size, default 20) for
//             waiting children drawn at random (listed first with
//             ListChildren status=waiting), or always --child;
//   children  MatchingService.RankChildren (the family-led search) for
//             approved households drawn at random (listed first with
//             ListAdopters status=approved, at most --max-targets), or always
//             --adopter;
//   health    grpc.health.v1.Health/Check with an empty request: the server's
//             cheapest call, the yardstick for the others.
// --view chooses the ranking's view: basic (RANK_VIEW_BASIC: names and
// scores), full (RANK_VIEW_FULL: every component coded, rendered from the
// reason catalogue; the default) or full-text (RANK_VIEW_FULL_TEXT: FULL with
// the words). --basic is --view basic.
//
// Each stream is one thread with its own channel and its own TCP connection
// (a local subchannel pool), making blocking calls one after another, each
// with the key and a deadline (streams connect before the warm-up; a call
// waits for the connection if it drops). Every method goes through the same
// blocking unary call path (the generated stubs'
// grpc::internal::BlockingUnaryCall; Health/Check is called with pre-serialized
// bytes, so no health stub is needed). Every stream makes --warmup calls first,
// not counted. Exits 1 if any counted call fails.
//
// --no-parse takes ranking responses as bytes (the request is still built and
// serialized per call): when the load generator shares the server's cores,
// parsing 20 explained households per call is client CPU that would
// otherwise be charged to the server's rate.
//
// --server-pid PID (a raamatchd on this machine): the server's CPU time
// (utime + stime of /proc/PID/stat, every thread) over the counted calls
// only, per call. The load generator's own CPU per call (getrusage) is
// always reported.
//
// --write-request FILE writes one request as gRPC frames it on the wire (a
// 0 byte, the length as 4 bytes big-endian, the serialized message), for a
// load generator that sends raw HTTP/2 (bench/grpc_bench.sh gives it to
// h2load), and exits: the request of --method and --view for --child or
// --adopter, or else for the target whose ranking has the median number of
// eligible candidates among up to 101 spread over the list. It makes the
// call once and prints `request: path=/pkg.Service/Method target=NAME
// request_bytes=N response_bytes=M` (M: the serialized response, without the
// 5-byte frame prefix); exits 1 if the call fails. With --write-response
// FILE it also writes that response, serialised (unframed), for
// raa-grpc-floor to answer with (bench/grpc_floor.cc).
//
// Prints one line of results, and a `result:` line of key=value pairs for
// scripts (bench/grpc_bench.sh).

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
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
constexpr char kRankChildren[] = "/raa.v1.MatchingService/RankChildren";
// HealthCheckResponse{status: SERVING}: field 1, varint 1.
constexpr char kServing[] = "\x08\x01";

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string key;
  int streams = 4;
  int calls = 1000;
  std::string method = "rank";  // rank, children or health
  std::string view = "full";    // basic, full or full-text
  int warmup = 20;
  int page_size = 20;
  bool basic = false;  // --basic: --view basic
  uint64_t seed = 1;
  int deadline_ms = 10000;
  bool no_parse = false;
  std::string child;    // rank: always this child
  std::string adopter;  // children: always this household
  int max_targets = 2000;
  int server_pid = 0;  // > 0: report the server's CPU per call
  std::string write_request;
  std::string write_response;  // with write_request: the checked answer
  ClientTlsFiles tls_files;
  ClientTls tls;  // read from tls_files
};

v1::RankView ViewOf(const Options& options) {
  if (options.view == "basic") return v1::RANK_VIEW_BASIC;
  if (options.view == "full-text") return v1::RANK_VIEW_FULL_TEXT;
  return v1::RANK_VIEW_FULL;
}

const char* PathOf(const Options& options) {
  if (options.method == "health") return kHealthCheck;
  if (options.method == "children") return kRankChildren;
  return kRankAdopters;
}

// The serialized request of --method and --view for `target` (a child for
// rank, a household for children; ignored for health).
std::string SerializedRequest(const Options& options,
                              const std::string& target) {
  if (options.method == "health") return "";
  if (options.method == "children") {
    v1::RankChildrenRequest request;
    request.set_adopter(target);
    request.set_page_size(options.page_size);
    request.set_view(ViewOf(options));
    return request.SerializeAsString();
  }
  v1::RankAdoptersRequest request;
  request.set_child(target);
  request.set_page_size(options.page_size);
  request.set_view(ViewOf(options));
  return request.SerializeAsString();
}

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

// The first --max-targets approved households' names.
absl::StatusOr<std::vector<std::string>> ApprovedHouseholds(
    const Options& options) {
  RaaClient client(
      {.server = options.server, .key = options.key, .tls = options.tls});
  std::vector<std::string> names;
  v1::ListAdoptersRequest request;
  request.set_parent("authorities/-");
  request.set_status(v1::ADOPTER_STATUS_APPROVED);
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListAdoptersResponse> page =
        client.Call(&v1::RegistryService::Stub::ListAdopters, request);
    if (!page.ok()) return page.status();
    for (const v1::Adopter& a : page->adopters()) {
      if (static_cast<int>(names.size()) < options.max_targets) {
        names.push_back(a.name());
      }
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() &&
           static_cast<int>(names.size()) < options.max_targets);
  if (names.empty()) {
    return absl::FailedPreconditionError("no approved households to rank for");
  }
  return names;
}

// The names a ranking method draws from: --child / --adopter, or the list.
absl::StatusOr<std::vector<std::string>> Targets(const Options& options) {
  if (options.method == "rank") {
    if (!options.child.empty()) return std::vector<std::string>{options.child};
    return WaitingChildren(options);
  }
  if (options.method == "children") {
    if (!options.adopter.empty()) {
      return std::vector<std::string>{options.adopter};
    }
    return ApprovedHouseholds(options);
  }
  return std::vector<std::string>{};
}

// One stream's connection: its channel, stubs and choice of targets.
class LoadStream {
 public:
  LoadStream(const Options& options, const std::vector<std::string>& targets,
             uint64_t seed)
      : options_(options),
        targets_(targets),
        channel_(NewChannel(options)),
        matching_(v1::MatchingService::NewStub(channel_)),
        health_(kHealthCheck, grpc::internal::RpcMethod::NORMAL_RPC, channel_),
        raw_(PathOf(options), grpc::internal::RpcMethod::NORMAL_RPC, channel_),
        rng_(seed) {}

  // Connects the channel, within the call deadline.
  bool Connect() {
    return channel_->WaitForConnected(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(options_.deadline_ms));
  }

  // One call of --method for a target drawn at random; adds the response's
  // size to `response_bytes`.
  grpc::Status Call(int64_t& response_bytes) {
    if (options_.method == "health") return Health(response_bytes);
    const std::string& target = targets_[std::uniform_int_distribution<size_t>(
        0, targets_.size() - 1)(rng_)];
    if (options_.no_parse) {
      return Raw(SerializedRequest(options_, target), nullptr, response_bytes);
    }
    grpc::ClientContext context;
    Prepare(context, options_);
    if (options_.method == "children") {
      v1::RankChildrenRequest request;
      request.set_adopter(target);
      request.set_page_size(options_.page_size);
      request.set_view(ViewOf(options_));
      v1::RankChildrenResponse response;
      grpc::Status status =
          matching_->RankChildren(&context, request, &response);
      response_bytes += static_cast<int64_t>(response.ByteSizeLong());
      return status;
    }
    v1::RankAdoptersRequest request;
    request.set_child(target);
    request.set_page_size(options_.page_size);
    request.set_view(ViewOf(options_));
    v1::RankAdoptersResponse response;
    grpc::Status status = matching_->RankAdopters(&context, request, &response);
    response_bytes += static_cast<int64_t>(response.ByteSizeLong());
    return status;
  }

  // The empty health check; the response must be SERVING.
  grpc::Status Health(int64_t& response_bytes) {
    grpc::ClientContext context;
    Prepare(context, options_);
    grpc::ByteBuffer request(&empty_slice_, 1);  // empty HealthCheckRequest
    grpc::ByteBuffer response;
    grpc::Status status =
        grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
            channel_.get(), health_, &context, request, &response);
    if (!status.ok()) return status;
    const std::string bytes = Bytes(response);
    response_bytes += static_cast<int64_t>(bytes.size());
    if (bytes != std::string(kServing, 2)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not SERVING");
    }
    return status;
  }

  // One call of --method's path with `request` as bytes; the response's
  // bytes in `*response` unless it is null.
  grpc::Status Raw(const std::string& request, std::string* response,
                   int64_t& response_bytes) {
    grpc::ClientContext context;
    Prepare(context, options_);
    grpc::Slice bytes(request);
    grpc::ByteBuffer raw_request(&bytes, 1);
    grpc::ByteBuffer raw_response;
    grpc::Status status =
        grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
            channel_.get(), raw_, &context, raw_request, &raw_response);
    response_bytes += static_cast<int64_t>(raw_response.Length());
    if (status.ok() && response != nullptr) *response = Bytes(raw_response);
    return status;
  }

 private:
  static std::string Bytes(grpc::ByteBuffer& buffer) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (buffer.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    return bytes;
  }

  const Options& options_;
  const std::vector<std::string>& targets_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  grpc::internal::RpcMethod health_;
  grpc::internal::RpcMethod raw_;
  grpc::Slice empty_slice_;
  std::mt19937_64 rng_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i =
      static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// utime + stime of process `pid` (every thread), in seconds; nullopt if it
// cannot be read.
std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: the
  // fields counted from after its closing parenthesis, field 3 first.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int f = 3; f <= 15 && fields >> field; ++f) {
    if (f == 14 || f == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// This process's CPU time (every thread), in seconds.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The number of eligible candidates of `target`'s ranking (view BASIC).
absl::StatusOr<int> Eligible(const Options& options, LoadStream& stream,
                             const std::string& target) {
  Options basic = options;
  basic.view = "basic";
  basic.page_size = 1;
  std::string bytes;
  int64_t ignored = 0;
  grpc::Status status =
      stream.Raw(SerializedRequest(basic, target), &bytes, ignored);
  if (!status.ok()) {
    return absl::UnknownError(absl::StrCat(target, ": ", status.error_code(),
                                           " ", status.error_message()));
  }
  if (options.method == "children") {
    v1::RankChildrenResponse r;
    r.ParseFromString(bytes);
    return r.eligible();
  }
  v1::RankAdoptersResponse r;
  r.ParseFromString(bytes);
  return r.eligible();
}

// --write-request: the framed request for one target, checked by one call.
int WriteRequest(const Options& options,
                 const std::vector<std::string>& targets) {
  LoadStream stream(options, targets, options.seed);
  if (!stream.Connect()) {
    std::cerr << "raa-loadgen: cannot connect to " << options.server << "\n";
    return 1;
  }
  std::string target;
  if (options.method != "health") {
    // The target whose ranking has the median number of eligible
    // candidates, among up to 101 spread evenly over the list.
    std::vector<std::pair<int, std::string>> by_eligible;
    const size_t k = std::min<size_t>(targets.size(), 101);
    for (size_t i = 0; i < k; ++i) {
      const std::string& t = targets[targets.size() * i / k];
      absl::StatusOr<int> eligible = Eligible(options, stream, t);
      if (!eligible.ok()) {
        std::cerr << "raa-loadgen: " << eligible.status().message() << "\n";
        return 1;
      }
      by_eligible.emplace_back(*eligible, t);
    }
    std::sort(by_eligible.begin(), by_eligible.end());
    target = by_eligible[by_eligible.size() / 2].second;
  }
  const std::string request = SerializedRequest(options, target);
  std::string frame(5, '\0');
  const uint32_t n = static_cast<uint32_t>(request.size());
  for (int i = 0; i < 4; ++i) {
    frame[1 + i] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
  }
  frame += request;
  std::ofstream out(options.write_request, std::ios::binary | std::ios::trunc);
  out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  out.close();
  if (!out) {
    std::cerr << "raa-loadgen: cannot write " << options.write_request << "\n";
    return 1;
  }
  std::string response;
  int64_t response_bytes = 0;
  grpc::Status status = options.method == "health"
                            ? stream.Health(response_bytes)
                            : stream.Raw(request, &response, response_bytes);
  if (!status.ok()) {
    std::cerr << "raa-loadgen: the request written to " << options.write_request
              << " fails: " << status.error_code() << " "
              << status.error_message() << "\n";
    return 1;
  }
  if (options.method == "health") response = std::string(kServing, 2);
  if (!options.write_response.empty()) {
    std::ofstream answer(options.write_response,
                         std::ios::binary | std::ios::trunc);
    answer.write(response.data(),
                 static_cast<std::streamsize>(response.size()));
    answer.close();
    if (!answer) {
      std::cerr << "raa-loadgen: cannot write " << options.write_response
                << "\n";
      return 1;
    }
  }
  std::cout << absl::StrFormat(
      "request: path=%s target=%s view=%s request_bytes=%d "
      "response_bytes=%d\n",
      PathOf(options), target.empty() ? "-" : target,
      options.method == "health" ? "-" : options.view, request.size(),
      response_bytes);
  return 0;
}

int Run(const Options& options) {
  absl::StatusOr<std::vector<std::string>> listed = Targets(options);
  if (!listed.ok()) {
    std::cerr << "raa-loadgen: listing what to rank for: " << listed.status()
              << "\n";
    return 1;
  }
  const std::vector<std::string> targets = *std::move(listed);
  if (!options.write_request.empty()) return WriteRequest(options, targets);

  std::vector<StreamResult> results(options.streams);
  std::vector<std::unique_ptr<LoadStream>> load_streams;
  for (int s = 0; s < options.streams; ++s) {
    load_streams.push_back(std::make_unique<LoadStream>(
        options, targets, options.seed * 7919 + static_cast<uint64_t>(s)));
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
  const std::optional<double> server_cpu0 =
      options.server_pid > 0 ? ProcessCpuSeconds(options.server_pid)
                             : std::nullopt;
  const double own_cpu0 = OwnCpuSeconds();
  const SteadyClock::time_point start = SteadyClock::now();
  go.count_down();
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(SteadyClock::now() - start).count();
  const double own_cpu = OwnCpuSeconds() - own_cpu0;
  const std::optional<double> server_cpu1 =
      options.server_pid > 0 ? ProcessCpuSeconds(options.server_pid)
                             : std::nullopt;

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
  const double client_us = total > 0 ? own_cpu * 1e6 / total : 0;
  // -1: not measured (no --server-pid, or /proc unreadable).
  const double server_us = server_cpu0.has_value() && server_cpu1.has_value()
                               ? (*server_cpu1 - *server_cpu0) * 1e6 / total
                               : -1;

  const bool ranking = options.method != "health";
  const bool unparsed = ranking && options.no_parse;
  std::cout << absl::StrFormat(
      "raa-loadgen %s%s%s: %d streams x %d calls%s: %.0f calls/s, p50 %.3f "
      "ms, p99 %.3f ms, %d errors, %.2f s, %.0f response bytes/call, client "
      "CPU %.1f us/call%s\n",
      options.method, ranking ? absl::StrCat(" ", options.view) : "",
      unparsed ? " (responses unparsed)" : "", options.streams, options.calls,
      ranking ? absl::StrCat(" (", targets.size(), " targets)") : "", rate, p50,
      p99, errors, seconds, mean_bytes, client_us,
      server_us >= 0 ? absl::StrFormat(", server CPU %.1f us/call", server_us)
                     : "");
  std::cout << absl::StrFormat(
      "result: method=%s view=%s parsed=%s streams=%d calls=%d errors=%d "
      "seconds=%.3f calls_per_s=%.1f p50_ms=%.3f p99_ms=%.3f "
      "bytes_per_call=%.0f client_cpu_us=%.1f server_cpu_us=%.1f\n",
      options.method, ranking ? options.view : "-", unparsed ? "no" : "yes",
      options.streams, static_cast<int>(total), errors, seconds, rate, p50, p99,
      mean_bytes, client_us, server_us);
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
  app.add_option("--method", options.method,
                 "rank (RankAdopters), children (RankChildren) or health")
      ->capture_default_str()
      ->check(CLI::IsMember({"rank", "children", "health"}));
  app.add_option("--view", options.view,
                 "the ranking's view: basic, full (coded) or full-text")
      ->capture_default_str()
      ->check(CLI::IsMember({"basic", "full", "full-text"}));
  app.add_option("--warmup", options.warmup,
                 "uncounted calls per stream before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--page-size", options.page_size,
                 "candidates per ranking call (1-100)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--seed", options.seed, "seed for choosing targets")
      ->capture_default_str();
  app.add_option("--deadline-ms", options.deadline_ms, "deadline of each call")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--child", options.child,
                 "rank: always this child (authorities/{a}/children/{c})");
  app.add_option("--adopter", options.adopter,
                 "children: always this household "
                 "(authorities/{a}/adopters/{h})");
  app.add_option("--max-targets", options.max_targets,
                 "children: approved households listed to draw from")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--server-pid", options.server_pid,
                 "the server's pid on this machine: report its CPU per call "
                 "(/proc/PID/stat) over the counted calls")
      ->check(CLI::Range(1, 1 << 30));
  CLI::Option* write_request = app.add_option(
      "--write-request", options.write_request,
      "write one gRPC-framed request to FILE (for h2load), check "
      "it with one call, and exit");
  app.add_option("--write-response", options.write_response,
                 "with --write-request: write that call's response, "
                 "serialised, to FILE (for raa-grpc-floor)")
      ->needs(write_request);
  app.add_flag("--basic", options.basic, "--view basic");
  app.add_flag("--no-parse", options.no_parse,
               "rankings: take responses as bytes, unparsed (keeps the "
               "client's CPU out of the figures when it shares the server's "
               "cores)");
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
  if (options.basic) options.view = "basic";
  absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(options.tls_files);
  if (!tls.ok()) {
    std::cerr << "raa-loadgen: " << tls.status().message() << "\n";
    return 2;
  }
  options.tls = *std::move(tls);
  return raa::Run(options);
}
