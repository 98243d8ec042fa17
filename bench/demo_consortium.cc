// raa-demo: registers a synthetic consortium through the real API and prints
// what it registered.
//
//   raa-demo --server 127.0.0.1:50051 --key <manager key> --seed 1
//   raa-demo --server 127.0.0.1:50051 --ca demo/tls/ca.crt --key <key>
//
// --ca verifies a TLS server (and implies TLS). For a server that requires
// client certificates, --cert-dir holds one per member, <authority>.crt and
// <authority>.key (the hub's for the manager calls), issued with the
// member's authority id as the subject CN.
//
// With the manager key it creates the member authorities and, for each, a
// registrar + family-finder key; with those keys each member registers its
// own children and households in batches, as a real member would. Keys are
// written to --keys-out ("<authority> <key>" per line) for trying `raa`.
//
// With --history-years N it also registers the profiles and households of
// N years of past journeys (bench/consortium.h, GenerateHistory) and writes
// one journeys file per member to --journeys-dir (<authority>.csv, the
// member's children's links and milestones), for `raa import journeys`
// with that member's key.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/consortium.h"
#include "clients/lib/client.h"

namespace {

using raa::ClientTls;
using raa::RaaClient;
using raa::v1::AccessService;
using raa::v1::RegistryService;

int Fail(const std::string& what, const absl::Status& status) {
  std::cerr << "raa-demo: " << what << ": " << status << "\n";
  return 1;
}

struct Tally {
  int profiles = 0, children = 0, in_groups = 0, five_plus = 0, bme = 0;
  int households = 0, approved = 0, for_three = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  std::string key;
  std::string keys_out;
  raa::bench::ConsortiumSpec spec;
  CLI::App app{"raa-demo: register a synthetic consortium through the API"};
  app.add_option("--server", server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--key", key, "a manager key")->required()->envname("RAA_KEY");
  app.add_option("--seed", spec.seed, "random seed")->capture_default_str();
  app.add_option("--authorities", spec.authorities, "members")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  app.add_option("--children", spec.children, "children (not profiles)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--adopters", spec.adopters, "households")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--keys-out", keys_out, "write each member's key here");
  raa::bench::HistorySpec history_spec;
  history_spec.years = 0;
  std::string journeys_dir;
  app.add_option("--history-years", history_spec.years,
                 "years of past journeys to register (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  app.add_option("--history-per-year", history_spec.adoptions_per_year,
                 "adoptions a year in the history, across the consortium")
      ->capture_default_str()
      ->check(CLI::Range(1, 5000));
  bool no_milestone_rows = false;
  app.add_flag("--no-milestone-rows", no_milestone_rows,
               "journeys files without milestone rows (links only)");
  app.add_option("--journeys-dir", journeys_dir,
                 "write each member's journeys file here (<authority>.csv)");
  raa::ClientTlsFiles tls_files;
  std::string cert_dir;
  std::string hub = "hub";
  app.add_flag("--tls", tls_files.tls,
               "connect with TLS (the public CAs gRPC ships)");
  app.add_option("--ca", tls_files.ca_file,
                 "PEM CA that signed the server's certificate (implies --tls)")
      ->envname("RAA_CA");
  app.add_option("--cert-dir", cert_dir,
                 "client certificates for a server that requires them: "
                 "<authority>.crt and <authority>.key per member and the hub");
  app.add_option("--hub-id", hub, "the hub's authority id (its certificate)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // The TLS settings of a member's connection: its own certificate, if any.
  std::map<std::string, ClientTls> tls_of;
  auto tls_for =
      [&](const std::string& authority) -> absl::StatusOr<ClientTls> {
    auto it = tls_of.find(authority);
    if (it != tls_of.end()) return it->second;
    raa::ClientTlsFiles files = tls_files;
    if (!cert_dir.empty()) {
      files.cert_file = absl::StrCat(cert_dir, "/", authority, ".crt");
      files.key_file = absl::StrCat(cert_dir, "/", authority, ".key");
    }
    absl::StatusOr<ClientTls> tls = raa::LoadClientTls(files);
    if (tls.ok()) tls_of[authority] = *tls;
    return tls;
  };
  absl::StatusOr<ClientTls> manager_tls = tls_for(hub);
  if (!manager_tls.ok()) {
    std::cerr << "raa-demo: " << manager_tls.status().message() << "\n";
    return 2;
  }

  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  spec.today = today - 1;  // ages measured yesterday: never "in the future"
  raa::bench::SyntheticConsortium consortium =
      raa::bench::GenerateConsortium(spec);

  RaaClient manager({.server = server, .key = key, .tls = *manager_tls});
  std::map<std::string, std::string> member_keys;
  for (raa::v1::CreateAuthorityRequest request : consortium.authorities) {
    request.set_request_id(
        absl::StrCat("demo-authority-", request.authority_id()));
    auto created =
        manager.Call(&RegistryService::Stub::CreateAuthority, request);
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) {
      return Fail("creating " + request.authority_id(), created.status());
    }
    raa::v1::CreateApiKeyRequest key_request;
    key_request.mutable_api_key()->set_authority(
        absl::StrCat("authorities/", request.authority_id()));
    key_request.mutable_api_key()->add_roles(raa::v1::ROLE_REGISTRAR);
    key_request.mutable_api_key()->add_roles(raa::v1::ROLE_FAMILY_FINDER);
    key_request.mutable_api_key()->set_display_name(
        "demo registrar and family finder");
    key_request.set_request_id(raa::NewRequestId());
    auto issued = manager.Call(&AccessService::Stub::CreateApiKey, key_request);
    if (!issued.ok()) return Fail("issuing a key", issued.status());
    member_keys[request.authority_id()] = issued->secret();
  }

  std::map<std::string, Tally> tally;
  std::map<std::string, raa::v1::BatchCreateChildrenRequest> child_batches;
  for (const auto& record : consortium.children) {
    auto& batch = child_batches[record.authority_id];
    *batch.add_requests()->mutable_child() = record.child;
    Tally& t = tally[record.authority_id];
    ++t.profiles;
    t.children += record.child.members_size();
    if (record.child.members_size() > 1)
      t.in_groups += record.child.members_size();
    for (const auto& m : record.child.members()) {
      if (m.age_months() >= 60) ++t.five_plus;
      if (m.heritage() != raa::v1::HERITAGE_WHITE_BRITISH) ++t.bme;
    }
  }
  std::map<std::string, raa::v1::BatchCreateAdoptersRequest> adopter_batches;
  for (const auto& record : consortium.adopters) {
    *adopter_batches[record.authority_id].add_requests()->mutable_adopter() =
        record.adopter;
    Tally& t = tally[record.authority_id];
    ++t.households;
    if (record.adopter.status() == raa::v1::ADOPTER_STATUS_APPROVED)
      ++t.approved;
    if (record.adopter.approved_for() >= 3) ++t.for_three;
  }
  for (auto& [authority, batch] : child_batches) {
    absl::StatusOr<ClientTls> tls = tls_for(authority);
    if (!tls.ok()) return Fail("connecting as " + authority, tls.status());
    RaaClient member(
        {.server = server, .key = member_keys[authority], .tls = *tls});
    batch.set_parent(absl::StrCat("authorities/", authority));
    batch.set_request_id(raa::NewRequestId());
    auto r = member.Call(&RegistryService::Stub::BatchCreateChildren, batch);
    if (!r.ok())
      return Fail("registering children of " + authority, r.status());
    if (r->failures_size() > 0) {
      return Fail("registering children of " + authority,
                  absl::InvalidArgumentError(r->failures(0).field() + ": " +
                                             r->failures(0).description()));
    }
  }
  for (auto& [authority, batch] : adopter_batches) {
    absl::StatusOr<ClientTls> tls = tls_for(authority);
    if (!tls.ok()) return Fail("connecting as " + authority, tls.status());
    RaaClient member(
        {.server = server, .key = member_keys[authority], .tls = *tls});
    batch.set_parent(absl::StrCat("authorities/", authority));
    batch.set_request_id(raa::NewRequestId());
    auto r = member.Call(&RegistryService::Stub::BatchCreateAdopters, batch);
    if (!r.ok())
      return Fail("registering adopters of " + authority, r.status());
    if (r->failures_size() > 0) {
      return Fail("registering adopters of " + authority,
                  absl::InvalidArgumentError(r->failures(0).field() + ": " +
                                             r->failures(0).description()));
    }
  }

  if (history_spec.years > 0) {
    if (journeys_dir.empty()) {
      std::cerr << "raa-demo: --history-years needs --journeys-dir\n";
      return 2;
    }
    history_spec.seed = spec.seed;
    history_spec.today = spec.today;
    raa::bench::SyntheticHistory history =
        raa::bench::GenerateHistory(history_spec, consortium.authorities);
    std::vector<std::string> child_names(history.children.size());
    std::vector<std::string> adopter_names(history.adopters.size());
    // Each member registers its history's profiles and households in
    // batches of at most 1,000; the answer names them in request order.
    constexpr size_t kBatch = 1000;
    std::map<std::string, std::vector<size_t>> children_of, adopters_of;
    for (size_t i = 0; i < history.children.size(); ++i) {
      children_of[history.children[i].authority_id].push_back(i);
    }
    for (size_t i = 0; i < history.adopters.size(); ++i) {
      adopters_of[history.adopters[i].authority_id].push_back(i);
    }
    for (const auto& [authority, indexes] : children_of) {
      absl::StatusOr<ClientTls> tls = tls_for(authority);
      if (!tls.ok()) return Fail("connecting as " + authority, tls.status());
      RaaClient member(
          {.server = server, .key = member_keys[authority], .tls = *tls});
      for (size_t start = 0; start < indexes.size(); start += kBatch) {
        raa::v1::BatchCreateChildrenRequest batch;
        batch.set_parent(absl::StrCat("authorities/", authority));
        batch.set_request_id(raa::NewRequestId());
        size_t end = std::min(indexes.size(), start + kBatch);
        for (size_t i = start; i < end; ++i) {
          *batch.add_requests()->mutable_child() =
              history.children[indexes[i]].child;
        }
        auto r =
            member.Call(&RegistryService::Stub::BatchCreateChildren, batch);
        if (!r.ok())
          return Fail("registering history of " + authority, r.status());
        if (r->failures_size() > 0 ||
            r->children_size() != static_cast<int>(end - start)) {
          return Fail(
              "registering history of " + authority,
              absl::InvalidArgumentError(r->failures_size() > 0
                                             ? r->failures(0).field() + ": " +
                                                   r->failures(0).description()
                                             : "fewer profiles than sent"));
        }
        for (size_t i = start; i < end; ++i) {
          child_names[indexes[i]] = r->children(i - start).name();
        }
      }
    }
    for (const auto& [authority, indexes] : adopters_of) {
      absl::StatusOr<ClientTls> tls = tls_for(authority);
      if (!tls.ok()) return Fail("connecting as " + authority, tls.status());
      RaaClient member(
          {.server = server, .key = member_keys[authority], .tls = *tls});
      for (size_t start = 0; start < indexes.size(); start += kBatch) {
        raa::v1::BatchCreateAdoptersRequest batch;
        batch.set_parent(absl::StrCat("authorities/", authority));
        batch.set_request_id(raa::NewRequestId());
        size_t end = std::min(indexes.size(), start + kBatch);
        for (size_t i = start; i < end; ++i) {
          *batch.add_requests()->mutable_adopter() =
              history.adopters[indexes[i]].adopter;
        }
        auto r =
            member.Call(&RegistryService::Stub::BatchCreateAdopters, batch);
        if (!r.ok())
          return Fail("registering history of " + authority, r.status());
        if (r->failures_size() > 0 ||
            r->adopters_size() != static_cast<int>(end - start)) {
          return Fail(
              "registering history of " + authority,
              absl::InvalidArgumentError(r->failures_size() > 0
                                             ? r->failures(0).field() + ": " +
                                                   r->failures(0).description()
                                             : "fewer households than sent"));
        }
        for (size_t i = start; i < end; ++i) {
          adopter_names[indexes[i]] = r->adopters(i - start).name();
        }
      }
    }
    std::filesystem::create_directories(journeys_dir);
    int links = 0, adopted = 0;
    for (const auto& link : history.links) {
      ++links;
      adopted += !link.steps.empty() &&
                 link.steps.back().first == raa::v1::LINK_STEP_ORDER_GRANTED;
    }
    for (const auto& [authority, indexes] : children_of) {
      std::ofstream out(absl::StrCat(journeys_dir, "/", authority, ".csv"));
      out << raa::bench::JourneysCsv(history, child_names, adopter_names,
                                     authority, !no_milestone_rows);
      if (!out) {
        return Fail("writing journeys", absl::InternalError(journeys_dir));
      }
    }
    std::cout << absl::StrFormat(
        "History: %d years to the last 31 March and since: %d child profiles, "
        "%d households, %d links (%d adopted), %d milestones; journeys files "
        "in %s\n",
        history_spec.years, history.children.size(), history.adopters.size(),
        links, adopted, history.milestones.size(), journeys_dir);
  }

  if (!keys_out.empty()) {
    std::ofstream out(keys_out);
    for (const auto& [authority, secret] : member_keys) {
      out << authority << " " << secret << "\n";
    }
  }

  std::cout << absl::StrFormat("%-18s %8s %8s %9s %8s %5s %10s %8s %6s\n",
                               "AUTHORITY", "PROFILES", "CHILDREN", "IN GROUPS",
                               "AGED 5+", "BME", "HOUSEHOLDS", "APPROVED",
                               "FOR 3+");
  Tally total;
  for (const auto& request : consortium.authorities) {
    const Tally& t = tally[request.authority_id()];
    std::cout << absl::StrFormat("%-18s %8d %8d %9d %8d %5d %10d %8d %6d\n",
                                 request.authority_id(), t.profiles, t.children,
                                 t.in_groups, t.five_plus, t.bme, t.households,
                                 t.approved, t.for_three);
    total.profiles += t.profiles;
    total.children += t.children;
    total.in_groups += t.in_groups;
    total.five_plus += t.five_plus;
    total.bme += t.bme;
    total.households += t.households;
    total.approved += t.approved;
    total.for_three += t.for_three;
  }
  std::cout << absl::StrFormat(
      "%-18s %8d %8d %9d %8d %5d %10d %8d %6d\n", "TOTAL", total.profiles,
      total.children, total.in_groups, total.five_plus, total.bme,
      total.households, total.approved, total.for_three);
  if (total.children > 0) {
    std::cout << absl::StrFormat(
        "%d%% of children in sibling groups, %d%% aged five or more, %d%% BME; "
        "%d of %d households approved for three or more.\n",
        100 * total.in_groups / total.children,
        100 * total.five_plus / total.children,
        100 * total.bme / total.children, total.for_three, total.households);
  }
  return 0;
}
