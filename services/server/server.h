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
#ifndef RAAMATCH_SERVICES_SERVER_SERVER_H_
#define RAAMATCH_SERVICES_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/clock.h"

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
  const Clock* clock = nullptr;  // null: the system clock
};

// Recovery when every manager key is lost: with the server stopped, issues
// a new manager key for the hub authority on the database and returns it.
absl::StatusOr<std::string> IssueRecoveryKey(const ServerOptions& options);

class RaaServer {
 public:
  static absl::StatusOr<std::unique_ptr<RaaServer>> Start(
      const ServerOptions& options);
  ~RaaServer();

  // "127.0.0.1:<port>" as bound.
  const std::string& address() const;
  int port() const;
  // The key issued on a new database; empty if the database had keys.
  const std::string& bootstrap_key() const;

  // Health goes NOT_SERVING, in-flight calls get up to `grace` to finish,
  // then the database closes. Safe to call twice.
  void Shutdown(absl::Duration grace = absl::Seconds(10));
  // Blocks until Shutdown() has been called from another thread.
  void Wait();

  class Impl;

 private:
  explicit RaaServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_SERVER_SERVER_H_
