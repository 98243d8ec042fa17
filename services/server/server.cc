#include "services/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "services/access/access_service.h"
#include "services/access/api_keys.h"
#include "services/audit/audit_log.h"
#include "services/auth/auth.h"
#include "services/journey/journey_service.h"
#include "services/journey/link_rows.h"
#include "services/journey/links.h"
#include "services/journey/milestones.h"
#include "services/journey/timescales.h"
#include "services/ledger/ledger.h"
#include "services/ledger/ledger_rows.h"
#include "services/ledger/ledger_service.h"
#include "services/matching/follows.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "services/matching/matching_rows.h"
#include "services/matching/matching_service.h"
#include "services/registry/regions.h"
#include "services/registry/registry_rows.h"
#include "services/registry/registry_service.h"
#include "services/reports/report_service.h"
#include "services/reports/reports.h"
#include "services/rpc/checked_service.h"
#include "services/rpc/worker_pool.h"
#include "services/server/schema.h"
#include "services/server/store_listeners.h"
#include "services/store/store.h"

namespace raa {

// An open file descriptor, closed on destruction.
class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(FileLock&& other) : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

const char kDefaultBankHolidaysFile[] = RAA_DEFAULT_BANK_HOLIDAYS;

class RaaServer::Impl {
 public:
  FileLock db_lock;  // declared first, so released after everything else
  const Clock* clock;
  std::unique_ptr<SystemClock> own_clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<RegionList> regions;
  std::unique_ptr<LiveIndex> live;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<StoreListener> listeners;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<UnaryRunner> rpc;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<ApiKeys> api_keys;
  std::unique_ptr<Matching> matching;
  std::unique_ptr<Follows> follows;
  std::unique_ptr<RegistryService> registry_service;
  std::unique_ptr<AccessService> access_service;
  std::unique_ptr<MatchingService> matching_service;
  std::unique_ptr<Links> links;
  BankHolidays bank_holidays;
  std::unique_ptr<Milestones> milestones;
  std::unique_ptr<JourneyService> journey_service;
  std::unique_ptr<Reports> reports;
  std::unique_ptr<ReportService> report_service;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<LedgerService> ledger_service;
  // What the server serves: each service above, its requests checked.
  std::vector<std::unique_ptr<WireCheckedService>> checked_services;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  int port = 0;
  std::string transport;
  std::string bootstrap_key;
  // Writes the stored values not in the region or language lists to
  // standard error once serving (ReportUnknownValues); joined at Shutdown.
  std::thread start_report;
  std::atomic<bool> stop_report{false};  // set by Shutdown
  absl::Notification report_done;
  // Where the index is saved (while serving by index_saver, and at
  // Shutdown) and loaded at start; empty: never.
  std::string snapshot_path;
  int64_t index_save_after = 0;
  std::thread index_saver;
  absl::Mutex mu;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
  absl::Notification stopped;
};

namespace {

// What one client connection may hold (docs/operator.md, "Hostile
// clients").
constexpr int kMaxStreamsPerConnection = 100;
constexpr absl::Duration kMaxConnectionIdle = absl::Minutes(5);
// What every connection together may hold in gRPC's buffers, above all the
// requests of unfinished calls: a call's request may be 4 MB, and a client
// that started 100 calls and sent all but the last byte of each held 400 MB
// a connection, with no key. Past it gRPC cancels the calls holding most
// (RESOURCE_EXHAUSTED) or closes their connection.
constexpr size_t kTransportMemory = size_t{256} << 20;

// Saves the index to its file, saying so (or why not) on stderr. Whether
// it saved.
bool SaveIndex(RaaServer::Impl& impl, LiveIndex::SaveOptions options) {
  absl::StatusOr<LiveIndex::Saved> saved =
      impl.live->SaveSnapshot(*impl.store, impl.snapshot_path, options);
  if (saved.ok()) {
    std::cerr << "raamatchd: index saved (" << saved->bytes / (1024 * 1024)
              << " MiB, copied in " << absl::ToInt64Milliseconds(saved->held)
              << " ms) in " << absl::ToInt64Milliseconds(saved->took)
              << " ms\n";
  } else {
    std::cerr << "raamatchd: index not saved: " << saved.status() << "\n";
  }
  return saved.ok();
}

// Refuses a second server on the same database: an advisory lock on the
// database file itself (independent of SQLite's own locks), held while the
// server runs and dropped by the kernel however the process ends.
absl::StatusOr<FileLock> LockDatabase(const std::string& path) {
  FileLock lock(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.fd() < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  if (flock(lock.fd(), LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("another raamatchd is serving ", path, ": stop it first"));
  }
  return lock;
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::string();
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

absl::Status WriteKeyFile(const std::string& path, const std::string& key) {
  // Created 0600 from the start: the secret is never readable by others.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  std::string line = key + "\n";
  bool ok =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = close(fd) == 0 && ok;
  if (!ok) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The shipped regions plus the consortium's own.
absl::StatusOr<std::unique_ptr<RegionList>> LoadRegions(Store& store) {
  std::unique_ptr<RegionList> regions = RegionList::Shipped();
  ASSIGN_OR_RETURN(std::vector<v1::Region> added,
                   registry_rows::ListRegions(store));
  for (const v1::Region& r : added) RETURN_IF_ERROR(regions->Add(r));
  return regions;
}

// Stored values that name no listed region or language (a database written
// before they were checked) are reported, never silently used: a count and
// every record, on stderr.
//
// One member at a time, so that a stop (`stop` set) waits for one member's
// records at most, not for every profile of the consortium; then it says
// only that it stopped.
absl::Status ReportUnknownValues(Store& store, const RegionList& regions,
                                 const std::atomic<bool>& stop) {
  std::vector<v1::UnknownValue> unknown;
  const absl::Status read = registry_rows::ForEachAuthority(
      store, v1::AUTHORITY_STATUS_UNSPECIFIED,
      [&](const v1::Authority& a) -> absl::Status {
        if (stop.load()) return absl::CancelledError("stopping");
        ASSIGN_OR_RETURN(
            std::vector<v1::UnknownValue> found,
            FindUnknownValues(store, regions,
                              absl::StripPrefix(a.name(), "authorities/")));
        std::move(found.begin(), found.end(), std::back_inserter(unknown));
        return absl::OkStatus();
      });
  if (absl::IsCancelled(read)) {
    std::cerr << "raamatchd: the check of stored regions and languages "
                 "stopped with the server, unfinished; `raa region check` "
                 "lists what is not in the lists\n";
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(read);
  if (unknown.empty()) return absl::OkStatus();
  std::cerr << "raamatchd: " << unknown.size()
            << (unknown.size() == 1 ? " stored value names"
                                    : " stored values name")
            << " a region or language that is not in the lists; fix each "
               "record (raa child/adopter update) or add the region (raa "
               "region create). `raa region check` lists them again:\n";
  for (const v1::UnknownValue& u : unknown) {
    std::cerr << "  " << u.record() << " " << u.field() << " \"" << u.value()
              << "\"";
    if (u.suggestions_size() > 0) {
      std::cerr << " (did you mean " << absl::StrJoin(u.suggestions(), ", ")
                << "?)";
    }
    std::cerr << "\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the ", what, " ", path, ": ", strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using UniqueBio = std::unique_ptr<BIO, BioDeleter>;
using UniqueX509 = std::unique_ptr<X509, X509Deleter>;

UniqueBio MemoryBio(const std::string& pem) {
  return UniqueBio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate in `pem`, or null.
UniqueX509 FirstCertificate(const std::string& pem) {
  UniqueBio bio = MemoryBio(pem);
  return UniqueX509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// The server's certificate and key, read and checked here so that a wrong
// file is named at start rather than failing every handshake later.
struct ServerTls {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;
};

absl::StatusOr<ServerTls> LoadServerTls(const ServerOptions& options) {
  ServerTls tls;
  ASSIGN_OR_RETURN(tls.cert_pem,
                   ReadPemFile(options.tls_cert_file, "TLS certificate"));
  ASSIGN_OR_RETURN(tls.key_pem, ReadPemFile(options.tls_key_file, "TLS key"));
  UniqueX509 cert = FirstCertificate(tls.cert_pem);
  if (cert == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the TLS certificate ", options.tls_cert_file,
        " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the TLS certificate ", options.tls_cert_file,
        " has expired: give a current one (docs/operator.md, \"TLS\")"));
  }
  UniqueBio key_bio = MemoryBio(tls.key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the TLS key ", options.tls_key_file,
        " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the TLS key ", options.tls_key_file,
        " is not the key of the certificate ", options.tls_cert_file));
  }
  if (!options.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(tls.client_ca_pem,
                     ReadPemFile(options.client_ca_file, "client CA"));
    if (FirstCertificate(tls.client_ca_pem) == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the client CA ", options.client_ca_file,
          " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
    }
  }
  return tls;
}

}  // namespace

bool IsLoopbackAddress(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") ||
      absl::StartsWith(listen, "unix-abstract:")) {
    return true;
  }
  size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = listen.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) {
    if (!absl::ConsumeSuffix(&host, "]")) return false;
    in6_addr v6;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return false;
    return IN6_IS_ADDR_LOOPBACK(&v6) ||
           (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) return false;
  return (ntohl(v4.s_addr) >> 24) == 127;
}

absl::Status CheckListenAddress(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") ||
      absl::StartsWith(listen, "unix-abstract:")) {
    return absl::OkStatus();
  }
  const size_t colon = listen.rfind(':');
  const absl::string_view host =
      colon == absl::string_view::npos ? "" : listen.substr(0, colon);
  const absl::string_view port =
      colon == absl::string_view::npos ? "" : listen.substr(colon + 1);
  int value = 0;
  // gRPC reads a port past 65535 modulo 65536 and an empty one as 443.
  if (host.empty() || port.empty() || port.size() > 5 ||
      !absl::c_all_of(port, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &value) || value > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", listen,
        " is not HOST:PORT with a port from 0 to 65535 (e.g. "
        "127.0.0.1:50051, or 0.0.0.0:50051 with TLS; port 0 picks a free "
        "one)"));
  }
  return absl::OkStatus();
}

absl::Status CheckServerOptions(const ServerOptions& options) {
  RETURN_IF_ERROR(CheckListenAddress(options.listen));
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give the server's certificate "
        "and its private key");
  }
  const bool tls = !options.tls_cert_file.empty();
  if (!options.client_ca_file.empty() && !tls) {
    return absl::InvalidArgumentError(
        "--client-ca needs --tls-cert and --tls-key: client certificates are "
        "checked only over TLS");
  }
  if (!tls && !options.insecure && !IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve plain text on ", options.listen,
        ": API keys would cross the network readable by anyone on the path. "
        "Give --tls-cert and --tls-key (docs/operator.md, \"TLS\"), or "
        "listen on 127.0.0.1, or add --insecure if a VPN or a TLS proxy "
        "already encrypts every connection to this address"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RaaServer>> RaaServer::Start(
    const ServerOptions& options) {
  RETURN_IF_ERROR(CheckServerOptions(options));
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  const bool tls = !options.tls_cert_file.empty();
  const bool client_certificates = !options.client_ca_file.empty();
  if (tls) {
    ASSIGN_OR_RETURN(ServerTls files, LoadServerTls(options));
    grpc::SslServerCredentialsOptions ssl(
        client_certificates
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_root_certs = std::move(files.client_ca_pem);
    ssl.pem_key_cert_pairs.push_back(
        {std::move(files.key_pem), std::move(files.cert_pem)});
    credentials = grpc::SslServerCredentials(ssl);
  }
  auto impl = std::make_unique<Impl>();
  impl->transport =
      !tls ? "plain text"
      : client_certificates
          ? "TLS with client certificates (keys bound to members' "
            "certificates)"
          : "TLS";
  if (options.clock == nullptr) {
    impl->own_clock = std::make_unique<SystemClock>();
    impl->clock = impl->own_clock.get();
  } else {
    impl->clock = options.clock;
  }
  ASSIGN_OR_RETURN(impl->db_lock, LockDatabase(options.db_path));
  ASSIGN_OR_RETURN(impl->store, Store::Open(options.db_path, *impl->clock,
                                            RaamatchSchema()));
  ASSIGN_OR_RETURN(impl->regions, LoadRegions(*impl->store));
  if (std::optional<std::string> why =
          impl->regions->WhyUnknown(options.hub_region)) {
    return absl::InvalidArgumentError(absl::StrCat("--hub-region: ", *why));
  }
  if (options.index_snapshot) {
    impl->snapshot_path = options.db_path + ".index";
  }
  impl->index_save_after = options.index_save_after;
  ASSIGN_OR_RETURN(impl->live,
                   LiveIndex::Build(*impl->store, *impl->clock,
                                    {.snapshot_path = impl->snapshot_path}));
  if (!impl->live->built_from_snapshot()) {
    // The rebuilt index holds every change logged: a saved index of an
    // earlier run is stale, and the log can go before anything writes.
    RETURN_IF_ERROR(impl->live->ForgetSavedIndex(*impl->store));
  }
  impl->authenticator =
      std::make_unique<Authenticator>(*impl->store, client_certificates);
  RETURN_IF_ERROR(LoadMemberStates(*impl->store, *impl->authenticator));
  RETURN_IF_ERROR(LoadOpenLinks(*impl->store, *impl->live));
  impl->listeners = MakeStoreListeners(*impl->live, *impl->authenticator);
  impl->store->SetListener(impl->listeners.get());
  if (options.audit) {
    ASSIGN_OR_RETURN(impl->audit,
                     AuditLog::Open({.db_path = options.db_path,
                                     .retention = absl::Hours(24) *
                                                  options.audit_retention_days},
                                    *impl->clock));
  }
  impl->pool = std::make_unique<WorkerPool>(options.worker_threads);
  impl->rpc = std::make_unique<UnaryRunner>(*impl->authenticator, *impl->pool,
                                            impl->audit.get());
  impl->registry =
      std::make_unique<Registry>(*impl->store, *impl->clock, *impl->regions,
                                 link_rows::RegistryQueries(*impl->store));
  impl->api_keys = std::make_unique<ApiKeys>(*impl->store, *impl->authenticator,
                                             *impl->clock);

  std::string preset;
  if (!options.bootstrap_key_file.empty()) {
    ASSIGN_OR_RETURN(preset, ReadKeyFile(options.bootstrap_key_file));
    ASSIGN_OR_RETURN(int64_t keys, key_rows::CountApiKeys(*impl->store));
    if (preset.empty() && keys == 0) {
      // Written before it is stored: if the file cannot be written, no key
      // exists that nobody can read.
      preset = GenerateApiKey().secret;
      RETURN_IF_ERROR(WriteKeyFile(options.bootstrap_key_file, preset));
    }
  }
  ASSIGN_OR_RETURN(
      impl->bootstrap_key,
      impl->api_keys->Bootstrap(options.hub_id, options.hub_region, preset));

  impl->registry_service =
      std::make_unique<RegistryService>(*impl->registry, *impl->rpc);
  impl->access_service =
      std::make_unique<AccessService>(*impl->api_keys, *impl->rpc);
  impl->matching =
      std::make_unique<Matching>(*impl->store, *impl->live, *impl->clock);
  impl->follows = std::make_unique<Follows>(*impl->store, *impl->live,
                                            *impl->matching, *impl->clock);
  impl->matching_service = std::make_unique<MatchingService>(
      *impl->matching, *impl->follows, *impl->live, *impl->authenticator,
      *impl->pool, *impl->rpc,
      UnreadAlertLimits{.per_stream = options.unread_alerts_per_stream,
                        .total = options.unread_alerts_total,
                        .min_share = options.unread_alerts_min_share});
  impl->links =
      std::make_unique<Links>(*impl->store, *impl->live, *impl->clock);
  impl->reports = std::make_unique<Reports>(*impl->store, *impl->clock);
  impl->report_service =
      std::make_unique<ReportService>(*impl->reports, *impl->rpc);
  impl->ledger = std::make_unique<Ledger>(*impl->store, *impl->clock);
  // The start-up audit: every position recomputed from the journal. If it
  // disagrees with the balance table, the ledger refuses every call (the
  // rest of the server serves) until an operator repairs it.
  ASSIGN_OR_RETURN(std::optional<std::string> ledger_fault,
                   ledger_rows::AuditJournal(*impl->store));
  if (ledger_fault.has_value()) {
    std::cerr << "raamatchd: ledger audit FAILED: " << *ledger_fault
              << "; ledger calls refused until repaired (docs/operator.md)\n";
    impl->ledger->RefuseCalls(*ledger_fault);
  }
  impl->ledger_service =
      std::make_unique<LedgerService>(*impl->ledger, *impl->rpc);

  if (options.bank_holidays_file.empty()) {
    absl::StatusOr<BankHolidays> holidays =
        BankHolidays::Load(kDefaultBankHolidaysFile);
    if (holidays.ok()) {
      impl->bank_holidays = *std::move(holidays);
    } else {
      std::cerr << "raamatchd: " << holidays.status().message()
                << "; working days skip weekends only (--bank-holidays)\n";
    }
  } else {
    ASSIGN_OR_RETURN(impl->bank_holidays,
                     BankHolidays::Load(options.bank_holidays_file));
  }
  impl->milestones = std::make_unique<Milestones>(
      *impl->store, *impl->clock, *impl->regions, impl->bank_holidays);
  impl->journey_service = std::make_unique<JourneyService>(
      *impl->links, *impl->milestones, *impl->rpc);

  grpc::EnableDefaultHealthCheckService(true);
  // Reflection serves what protobuf's generated pool holds. Naming
  // google.rpc.BadRequest here keeps its file linked and loaded, so a client
  // that knows only protos/ can ask for it and decode error details.
  google::rpc::BadRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // One server per port: without this a second raamatchd would share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Unfinished calls a connection may hold: gRPC's default has no limit,
  // and a client that sent only the headers of 50,000 calls held 850 MB.
  // A client past it has its connection closed.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             kMaxStreamsPerConnection);
  // A connection with no call for this long is closed (GOAWAY; gRPC
  // clients reconnect for their next call): gRPC's default keeps one for
  // ever, about 22 KB each.
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_IDLE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(kMaxConnectionIdle)));
  grpc::ResourceQuota quota("raamatchd");
  quota.Resize(kTransportMemory);
  builder.SetResourceQuota(quota);
  // A read's large answer counts against its key until its client has it.
  builder.SetContextAllocator(impl->rpc->NewContextAllocator());
  builder.AddListeningPort(options.listen, credentials, &impl->port);
  const std::pair<grpc::Service*, const char*> services[] = {
      {impl->registry_service.get(), v1::RegistryService::service_full_name()},
      {impl->access_service.get(), v1::AccessService::service_full_name()},
      {impl->matching_service.get(), v1::MatchingService::service_full_name()},
      {impl->journey_service.get(), v1::JourneyService::service_full_name()},
      {impl->report_service.get(), v1::ReportService::service_full_name()},
      {impl->ledger_service.get(), v1::LedgerService::service_full_name()},
  };
  for (const auto& [service, name] : services) {
    impl->checked_services.push_back(
        std::make_unique<WireCheckedService>(*service, name));
    builder.RegisterService(impl->checked_services.back().get());
  }
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  impl->address = absl::StrCat(host, ":", impl->port);
  impl->server->GetHealthCheckService()->SetServingStatus(true);
  // The report reads every profile (seconds at a million records): it is
  // written while the server serves, on a connection of its own.
  impl->start_report =
      std::thread([store = impl->store.get(), regions = impl->regions.get(),
                   stop = &impl->stop_report, done = &impl->report_done] {
        absl::Status reported = ReportUnknownValues(*store, *regions, *stop);
        if (!reported.ok()) {
          std::cerr << "raamatchd: cannot check the stored regions and "
                       "languages: "
                    << reported << "\n";
        }
        done->Notify();
      });
  if (!impl->snapshot_path.empty()) {
    // Saves the index once enough has changed (and first if the start
    // rebuilt it), so that a start after a crash loads it and reads only
    // the records changed since, instead of every profile.
    impl->index_saver = std::thread([impl = impl.get()] {
      // After a failure (a full disk), a minute before the next try.
      absl::Duration pause = absl::ZeroDuration();
      while (impl->live->AwaitSaveDue(impl->index_save_after, pause)) {
        pause = SaveIndex(*impl, {}) ? absl::ZeroDuration() : absl::Minutes(1);
      }
    });
  }
  return std::unique_ptr<RaaServer>(new RaaServer(std::move(impl)));
}

absl::StatusOr<RecoveryKey> IssueRecoveryKey(const ServerOptions& options) {
  SystemClock system_clock;
  const Clock& clock = options.clock == nullptr ? system_clock : *options.clock;
  if (access(options.db_path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no database at ", options.db_path));
  }
  ASSIGN_OR_RETURN(FileLock lock, LockDatabase(options.db_path));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(options.db_path, clock, RaamatchSchema()));
  ASSIGN_OR_RETURN(std::vector<std::string> hubs,
                   registry_rows::ActiveMembersOfKind(
                       *store, v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY));
  // A database from before the one-hub rule may hold several: --hub-id
  // chooses among them.
  std::string member = options.hub_id;
  if (hubs.size() == 1) {
    member = hubs.front();
  } else if (hubs.size() > 1 && !absl::c_linear_search(hubs, member)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "several members are of kind REGIONAL_ADOPTION_AGENCY (",
        absl::StrJoin(hubs, ", "), "): give the hub's id with --hub-id"));
  }
  absl::StatusOr<v1::Authority> authority =
      registry_rows::GetAuthority(*store, member);
  if (absl::IsNotFound(authority.status())) {
    return absl::NotFoundError(
        absl::StrCat("no authority \"", member, "\" in ", options.db_path,
                     ": give the hub's id with --hub-id"));
  }
  if (!authority.ok()) return authority.status();
  if (authority->status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "authority \"", member,
        "\" has withdrawn and no active member is of kind "
        "REGIONAL_ADOPTION_AGENCY: a manager key of a withdrawn member can do "
        "nothing; give an active member's id with --hub-id"));
  }
  Authenticator authenticator(*store);
  ApiKeys keys(*store, authenticator, clock);
  ASSIGN_OR_RETURN(std::string secret,
                   keys.IssueManagerKey(member, options.hub_region, "",
                                        "recovery manager key"));
  return RecoveryKey{member, std::move(secret)};
}

absl::StatusOr<std::string> CompactDatabase(const ServerOptions& options) {
  if (access(options.db_path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no database at ", options.db_path));
  }
  ASSIGN_OR_RETURN(FileLock lock, LockDatabase(options.db_path));
  ASSIGN_OR_RETURN(Store::Compacted done, Store::Compact(options.db_path));
  constexpr double kMiB = 1024.0 * 1024.0;
  return absl::StrFormat(
      "%s compacted: pages of %d bytes, now %d; %.1f MiB, now %.1f MiB",
      options.db_path, done.page_size_before, done.page_size_after,
      static_cast<double>(done.bytes_before) / kMiB,
      static_cast<double>(done.bytes_after) / kMiB);
}

RaaServer::RaaServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RaaServer::~RaaServer() { Shutdown(); }

const std::string& RaaServer::address() const { return impl_->address; }
int RaaServer::port() const { return impl_->port; }
const std::string& RaaServer::transport() const { return impl_->transport; }
const std::string& RaaServer::bootstrap_key() const {
  return impl_->bootstrap_key;
}

void RaaServer::WaitForStartReport() {
  impl_->report_done.WaitForNotification();
}

void RaaServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->shut_down) return;
    impl_->shut_down = true;
  }
  impl_->stop_report.store(true);  // stops at its next member
  impl_->server->GetHealthCheckService()->SetServingStatus(false);
  impl_->live->CloseAll();  // alert streams end; unary calls drain below
  impl_->server->Shutdown(
      std::chrono::system_clock::now() +
      std::chrono::microseconds(absl::ToInt64Microseconds(grace)));
  impl_->pool.reset();  // runs what is queued, then joins
  impl_->server->Wait();
  if (impl_->audit != nullptr) impl_->audit->Stop();  // commits what is queued
  if (impl_->start_report.joinable()) impl_->start_report.join();
  impl_->live->StopSaving();
  if (impl_->index_saver.joinable()) impl_->index_saver.join();
  if (impl_->snapshot_path.empty()) {
    absl::Status forgotten = impl_->live->ForgetSavedIndex(*impl_->store);
    if (!forgotten.ok()) {
      std::cerr << "raamatchd: cannot empty the log of index changes: "
                << forgotten << "\n";
    }
  } else if (impl_->live->SaveDue(1)) {
    // Nothing writes any more: the index is what the database holds, and
    // may be reordered for the next start.
    SaveIndex(*impl_, {.reorganize = true});
  }
  impl_->store->SetListener(nullptr);
  impl_->store.reset();  // closes the database
  impl_->stopped.Notify();
}

void RaaServer::Wait() { impl_->stopped.WaitForNotification(); }

}  // namespace raa
