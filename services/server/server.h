// The raamatch server, as a library: opens the store, issues the bootstrap
// key on a new database, and serves every service. main.cc wraps it; tests
// start it in-process on a port it picks.
//
//   ServerOptions options;
//   options.db_path = dir + "/raamatch.db";
//   options.listen = "127.0.0.1:0";
//   ASSIGN_OR_RETURN(std::unique_ptr<RaaServer> server,
//   RaaServer::Start(options));
//   ... connect to server->address() with server->bootstrap_key() ...
//   server->Shutdown();
//
// Transport: TLS with tls_cert_file and tls_key_file; with client_ca_file
// too, every caller must present a client certificate issued by that CA,
// and every API key is bound to its member's certificate (see
// CheckKeyMatchesCertificate in services/auth/auth.h). Plain text is served
// only on a loopback address, unless `insecure` says otherwise.
#ifndef RAAMATCH_SERVICES_SERVER_SERVER_H_
#define RAAMATCH_SERVICES_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace raa {

struct ServerOptions {
  std::string db_path = "raamatch.db";
  std::string listen = "127.0.0.1:50051";  // port 0: pick a free port
  // If set: the bootstrap manager key is read from this file when it exists,
  // or written to it (mode 0600) when it does not.
  std::string bootstrap_key_file;
  std::string hub_id = "hub";  // the consortium's own authority
  // Must be in the region list (data/regions/england.csv or added by the
  // consortium); used only when the hub is created.
  std::string hub_region = "england";
  int worker_threads = 4;
  // The audit trail (services/audit): events older than this are deleted.
  int audit_retention_days = 2190;
  // False runs without an audit trail: for measuring what it costs only.
  bool audit = true;
  // True: the matching index is saved next to the database ("<db>.index")
  // at a clean stop and while serving, once index_save_after records have
  // been written since the last save; a start loads it and reads again only
  // the records changed since (services/matching/index_snapshot.h).
  bool index_snapshot = true;
  int64_t index_save_after = 10'000;
  // Bytes of alerts WatchMatches streams may hold for readers who do not
  // keep up (UnreadAlertLimits, services/matching/watch_reactor.h): all
  // streams together, one stream, and the least a stream may hold once the
  // total is reached, as UnreadAlertLimits counts them (about 2.8 KB an
  // alert; the process grows by about three times that).
  int64_t unread_alerts_total = int64_t{128} << 20;
  int64_t unread_alerts_per_stream = int64_t{32} << 20;
  int64_t unread_alerts_min_share = int64_t{256} << 10;
  const Clock* clock = nullptr;  // null: the system clock
  // PEM files: the server's certificate (its chain, leaf first) and private
  // key. Both or neither; neither means plain text.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM file of the CA certificate(s) that issue members' client
  // certificates. Needs TLS. Set: a call without a client certificate signed
  // by it fails the handshake, and each key is bound to its certificate.
  std::string client_ca_file;
  // Allows plain text on an address that is not loopback.
  bool insecure = false;
  // England's bank holidays for working-day timescales: one YYYY-MM-DD per
  // line (data/bank-holidays-england.txt). Empty: the source tree's copy
  // (kDefaultBankHolidaysFile); if that cannot be read, weekends only, with
  // a warning. A file named here that cannot be read stops the start.
  std::string bank_holidays_file;
};

// The bank holidays file raamatchd reads when none is given.
extern const char kDefaultBankHolidaysFile[];

// Whether `listen` ("host:port", "[v6]:port" or "unix:path") is reachable
// from this machine only: 127.0.0.0/8, ::1, localhost, or a Unix socket.
bool IsLoopbackAddress(absl::string_view listen);
// INVALID_ARGUMENT unless `listen` is unix:PATH, unix-abstract:NAME or
// HOST:PORT with a port of 0-65535 (gRPC would serve 99999 on 34463, and an
// empty port on 443).
absl::Status CheckListenAddress(absl::string_view listen);

// INVALID_ARGUMENT, with what to do, for options that cannot be served: a
// TLS certificate without its key (or the reverse), a client CA without
// TLS, or plain text on an address that is not loopback without `insecure`.
// Start() checks this first; raamatchd treats it as a usage error.
absl::Status CheckServerOptions(const ServerOptions& options);

// Recovery when every manager key is lost: with the server stopped, issues
// a new manager key for the consortium's hub on the database. The hub is the
// active member of kind REGIONAL_ADOPTION_AGENCY (found, so a hub moved
// since the first start is followed); with none, the member `hub_id` names;
// with several (a database from before the one-hub rule), `hub_id` if it is
// one of them, else FAILED_PRECONDITION listing them.
// NOT_FOUND if that member does not exist; FAILED_PRECONDITION if it has
// withdrawn (a withdrawn member's keys can do nothing).
struct RecoveryKey {
  std::string authority_id;  // the member it is for
  std::string secret;
};
absl::StatusOr<RecoveryKey> IssueRecoveryKey(const ServerOptions& options);

// raamatchd --compact: with the server stopped (the database's lock),
// rewrites the database with Store::kPageSize pages and no free pages
// (Store::Compact) and returns a line saying what changed.
absl::StatusOr<std::string> CompactDatabase(const ServerOptions& options);

class RaaServer {
 public:
  static absl::StatusOr<std::unique_ptr<RaaServer>> Start(
      const ServerOptions& options);
  ~RaaServer();

  // "127.0.0.1:<port>" as bound.
  const std::string& address() const;
  int port() const;
  // How it serves, for the start-up line: "plain text", "TLS" or "TLS with
  // client certificates (keys bound to members' certificates)".
  const std::string& transport() const;
  // The key issued on a new database; empty if the database had keys.
  const std::string& bootstrap_key() const;

  // Health goes NOT_SERVING, in-flight calls get up to `grace` to finish,
  // then the database closes. Safe to call twice.
  void Shutdown(absl::Duration grace = absl::Seconds(10));
  // Blocks until Shutdown() has been called from another thread.
  void Wait();
  // Blocks until the report written to standard error after the start (the
  // stored values that name no listed region or language, read a member at
  // a time while the server serves) is complete, or cut short by Shutdown.
  void WaitForStartReport();

  class Impl;

 private:
  explicit RaaServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_SERVER_SERVER_H_
