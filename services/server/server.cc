#include "services/server/server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/auth/access_service.h"
#include "services/auth/api_keys.h"
#include "services/auth/auth.h"
#include "services/common/status_macros.h"
#include "services/common/worker_pool.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "services/matching/matching_service.h"
#include "services/registry/regions.h"
#include "services/registry/registry_service.h"
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

class RaaServer::Impl {
 public:
  FileLock db_lock;  // declared first, so released after everything else
  const Clock* clock;
  std::unique_ptr<SystemClock> own_clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<RegionList> regions;
  std::unique_ptr<LiveIndex> live;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<UnaryRunner> rpc;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<ApiKeys> api_keys;
  std::unique_ptr<Matching> matching;
  std::unique_ptr<RegistryService> registry_service;
  std::unique_ptr<AccessService> access_service;
  std::unique_ptr<MatchingService> matching_service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  int port = 0;
  std::string bootstrap_key;
  absl::Mutex mu;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
  absl::Notification stopped;
};

namespace {

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
  ASSIGN_OR_RETURN(std::vector<v1::Region> added, store.ListRegions());
  for (const v1::Region& r : added) RETURN_IF_ERROR(regions->Add(r));
  return regions;
}

// Stored values that name no listed region or language (a database written
// before they were checked) are reported, never silently used: a count and
// every record, on stderr.
absl::Status ReportUnknownValues(Store& store, const RegionList& regions) {
  ASSIGN_OR_RETURN(std::vector<v1::UnknownValue> unknown,
                   FindUnknownValues(store, regions, ""));
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

}  // namespace

absl::StatusOr<std::unique_ptr<RaaServer>> RaaServer::Start(
    const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (options.clock == nullptr) {
    impl->own_clock = std::make_unique<SystemClock>();
    impl->clock = impl->own_clock.get();
  } else {
    impl->clock = options.clock;
  }
  ASSIGN_OR_RETURN(impl->db_lock, LockDatabase(options.db_path));
  ASSIGN_OR_RETURN(impl->store, Store::Open(options.db_path, *impl->clock));
  ASSIGN_OR_RETURN(impl->regions, LoadRegions(*impl->store));
  if (std::optional<std::string> why =
          impl->regions->WhyUnknown(options.hub_region)) {
    return absl::InvalidArgumentError(absl::StrCat("--hub-region: ", *why));
  }
  RETURN_IF_ERROR(ReportUnknownValues(*impl->store, *impl->regions));
  ASSIGN_OR_RETURN(impl->live, LiveIndex::Build(*impl->store, *impl->clock));
  impl->store->SetListener(impl->live.get());
  impl->authenticator = std::make_unique<Authenticator>(*impl->store);
  impl->pool = std::make_unique<WorkerPool>(options.worker_threads);
  impl->rpc = std::make_unique<UnaryRunner>(*impl->authenticator, *impl->pool);
  impl->registry =
      std::make_unique<Registry>(*impl->store, *impl->clock, *impl->regions);
  impl->api_keys = std::make_unique<ApiKeys>(*impl->store, *impl->authenticator,
                                             *impl->clock);

  std::string preset;
  if (!options.bootstrap_key_file.empty()) {
    ASSIGN_OR_RETURN(preset, ReadKeyFile(options.bootstrap_key_file));
    ASSIGN_OR_RETURN(int64_t keys, impl->store->CountApiKeys());
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
  impl->matching_service = std::make_unique<MatchingService>(
      *impl->matching, *impl->live, *impl->authenticator, *impl->pool,
      *impl->rpc);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // One server per port: without this a second raamatchd would share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &impl->port);
  builder.RegisterService(impl->registry_service.get());
  builder.RegisterService(impl->access_service.get());
  builder.RegisterService(impl->matching_service.get());
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  impl->address = absl::StrCat(host, ":", impl->port);
  impl->server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<RaaServer>(new RaaServer(std::move(impl)));
}

absl::StatusOr<std::string> IssueRecoveryKey(const ServerOptions& options) {
  SystemClock system_clock;
  const Clock& clock = options.clock == nullptr ? system_clock : *options.clock;
  if (access(options.db_path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no database at ", options.db_path));
  }
  ASSIGN_OR_RETURN(FileLock lock, LockDatabase(options.db_path));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(options.db_path, clock));
  if (absl::IsNotFound(store->GetAuthority(options.hub_id).status())) {
    return absl::NotFoundError(
        absl::StrCat("no authority \"", options.hub_id, "\" in ",
                     options.db_path, ": give the hub's id with --hub-id"));
  }
  Authenticator authenticator(*store);
  ApiKeys keys(*store, authenticator, clock);
  return keys.IssueManagerKey(options.hub_id, options.hub_region, "",
                              "recovery manager key");
}

RaaServer::RaaServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RaaServer::~RaaServer() { Shutdown(); }

const std::string& RaaServer::address() const { return impl_->address; }
int RaaServer::port() const { return impl_->port; }
const std::string& RaaServer::bootstrap_key() const {
  return impl_->bootstrap_key;
}

void RaaServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->shut_down) return;
    impl_->shut_down = true;
  }
  impl_->server->GetHealthCheckService()->SetServingStatus(false);
  impl_->live->CloseAll();  // alert streams end; unary calls drain below
  impl_->server->Shutdown(
      std::chrono::system_clock::now() +
      std::chrono::microseconds(absl::ToInt64Microseconds(grace)));
  impl_->pool.reset();  // runs what is queued, then joins
  impl_->server->Wait();
  impl_->store->SetListener(nullptr);
  impl_->store.reset();  // closes the database
  impl_->stopped.Notify();
}

void RaaServer::Wait() { impl_->stopped.WaitForNotification(); }

}  // namespace raa
