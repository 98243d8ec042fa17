// journey_calls: time per call of the journey's reports on a server that
// holds a consortium's history, against baselines measured in the same run.
//
//   journey_calls --server 127.0.0.1:50051 --key <manager key>
//       --authority sheffield --rounds 7 --calls 10
//
// For each call below it makes --rounds rounds of --calls sequential calls
// (after one uncounted call) on one channel and prints the mean time per
// call of the fastest, the median and the slowest round, and the median as
// a multiple of the baselines' medians:
//   health             grpc.health.v1.Health/Check, the empty call (baseline)
//   GetLink            one link by name (baseline: a keyed read of one row)
//   GetScorecard member   --authority, the window ending the last 31 March
//   GetScorecard consortium   authorities/-, the same window
//   ListOverdue member / consortium   within 30 days, page size 100
// A call the server does not implement (UNIMPLEMENTED) is reported as such;
// any other failure exits 1. Prints `result:` lines of key=value pairs for
// scripts.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/lib/client.h"
#include "grpcpp/impl/client_unary_call.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/report.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  std::string name;
  std::vector<double> round_ms;  // mean ms per call, per round
  std::string skipped;           // why it was not measured
  double median() const {
    std::vector<double> v = round_ms;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  std::string key;
  std::string authority = "sheffield";
  int rounds = 7;
  int calls = 10;
  int year_ending = 0;
  raa::ClientTlsFiles tls_files;
  CLI::App app{
      "journey_calls: time per call of the scorecard and overdue list"};
  app.add_option("--server", server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--key", key, "a manager key")->required()->envname("RAA_KEY");
  app.add_option("--authority", authority, "the member for one-member calls")
      ->capture_default_str();
  app.add_option("--rounds", rounds, "rounds per call")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--calls", calls, "calls per round")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--year-ending", year_ending,
                 "the scorecard window's last 31 March (default: the latest)");
  app.add_option("--ca", tls_files.ca_file, "PEM CA (implies TLS)");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(tls_files);
  if (!tls.ok()) {
    std::cerr << "journey_calls: " << tls.status() << "\n";
    return 2;
  }
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  if (year_ending == 0) {
    year_ending =
        static_cast<int>(today.month() >= 4 ? today.year() : today.year() - 1);
  }
  raa::RaaClient client({.server = server,
                         .key = key,
                         .deadline = absl::Seconds(120),
                         .tls = *tls});
  auto journey = raa::v1::JourneyService::NewStub(client.channel());
  auto reports = raa::v1::ReportService::NewStub(client.channel());
  grpc::internal::RpcMethod health_method("/grpc.health.v1.Health/Check",
                                          grpc::internal::RpcMethod::NORMAL_RPC,
                                          client.channel());

  // A link to read: the newest one.
  std::string link_name;
  {
    raa::v1::ListLinksRequest request;
    request.set_page_size(1);
    raa::v1::ListLinksResponse response;
    auto context = client.NewContext();
    grpc::Status s = journey->ListLinks(context.get(), request, &response);
    if (s.ok() && response.links_size() > 0) {
      link_name = response.links(0).name();
    }
  }

  std::vector<Timing> timings;
  int failures = 0;
  // Times `call` (which returns its status); fills a Timing.
  auto measure = [&](const std::string& name,
                     const std::function<grpc::Status()>& call) {
    Timing t{name, {}, ""};
    grpc::Status first = call();  // warm-up, uncounted
    if (first.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      t.skipped = "not implemented by this server";
    } else if (!first.ok()) {
      t.skipped = absl::StrCat("failed: ", first.error_message());
      ++failures;
    }
    for (int r = 0; r < rounds && t.skipped.empty(); ++r) {
      Clock::time_point start = Clock::now();
      for (int c = 0; c < calls; ++c) {
        grpc::Status s = call();
        if (!s.ok()) {
          t.skipped = absl::StrCat("failed: ", s.error_message());
          ++failures;
          break;
        }
      }
      double ms =
          std::chrono::duration<double, std::milli>(Clock::now() - start)
              .count();
      t.round_ms.push_back(ms / calls);
    }
    timings.push_back(std::move(t));
  };

  measure("health", [&] {
    auto context = client.NewContext();
    grpc::Slice empty;  // an empty HealthCheckRequest
    grpc::ByteBuffer request(&empty, 1), response;
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer,
                                             grpc::ByteBuffer>(
        client.channel().get(), health_method, context.get(), request,
        &response);
  });
  if (!link_name.empty()) {
    measure("GetLink", [&] {
      auto context = client.NewContext();
      raa::v1::GetLinkRequest request;
      request.set_name(link_name);
      raa::v1::Link response;
      return journey->GetLink(context.get(), request, &response);
    });
  } else {
    timings.push_back({"GetLink", {}, "no link on this server"});
  }
  for (const std::string& who : {absl::StrCat("authorities/", authority),
                                 std::string("authorities/-")}) {
    std::string label = who == "authorities/-" ? "consortium" : authority;
    measure(absl::StrCat("GetScorecard ", label), [&] {
      auto context = client.NewContext();
      raa::v1::GetScorecardRequest request;
      request.set_authority(who);
      request.set_year_ending(year_ending);
      request.set_windows(1);
      raa::v1::Scorecard response;
      return reports->GetScorecard(context.get(), request, &response);
    });
  }
  for (const std::string& who :
       {absl::StrCat("authorities/", authority), std::string("")}) {
    std::string label = who.empty() ? "consortium" : authority;
    measure(absl::StrCat("ListOverdue ", label), [&] {
      auto context = client.NewContext();
      raa::v1::ListOverdueRequest request;
      request.set_authority(who);
      request.set_within_days(30);
      request.set_page_size(100);
      raa::v1::ListOverdueResponse response;
      return journey->ListOverdue(context.get(), request, &response);
    });
  }

  double health = timings[0].median();
  double get_link = timings[1].median();
  std::cout << absl::StrFormat(
      "%d rounds x %d calls, one channel, sequential; scorecard window "
      "ending 31 March %d\n",
      rounds, calls, year_ending);
  std::cout << absl::StrFormat("%-28s %9s %9s %9s %10s %10s\n", "call",
                               "min ms", "median ms", "max ms", "x health",
                               "x GetLink");
  for (const Timing& t : timings) {
    if (!t.skipped.empty()) {
      std::cout << absl::StrFormat("%-28s %s\n", t.name, t.skipped);
      continue;
    }
    double lo = *std::min_element(t.round_ms.begin(), t.round_ms.end());
    double hi = *std::max_element(t.round_ms.begin(), t.round_ms.end());
    double med = t.median();
    std::cout << absl::StrFormat(
        "%-28s %9.3f %9.3f %9.3f %9.1fx %9s\n", t.name, lo, med, hi,
        health > 0 ? med / health : 0,
        get_link > 0 ? absl::StrFormat("%.1fx", med / get_link) : "-");
  }
  for (const Timing& t : timings) {
    if (!t.skipped.empty()) continue;
    std::string id = t.name;
    std::replace(id.begin(), id.end(), ' ', '_');
    std::cout << absl::StrFormat(
        "result: call=%s median_ms=%.3f min_ms=%.3f "
        "max_ms=%.3f\n",
        id, t.median(), *std::min_element(t.round_ms.begin(), t.round_ms.end()),
        *std::max_element(t.round_ms.begin(), t.round_ms.end()));
  }
  return failures > 0 ? 1 : 0;
}
