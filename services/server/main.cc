// raamatchd: the raamatch server.
//
//   raamatchd --db raamatch.db --listen 127.0.0.1:50051
//   raamatchd --db raamatch.db --listen 0.0.0.0:50051 --tls-cert server.crt
//       --tls-key server.key [--client-ca members-ca.crt]
//
// On a new database it prints a one-time manager key (or reads/writes it at
// --bootstrap-key-file). SIGINT or SIGTERM: health goes NOT_SERVING, calls in
// flight finish, the database closes. Plain text is served only on loopback
// unless --insecure is given (docs/operator.md, "TLS").
//
// Exit codes: 0 stopped cleanly (or --help, --version); 1 could not start
// or serve; 2 a usage error (a bad flag, or flags that cannot be served
// together).
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/open_files.h"
#include "common/version.h"
#include "services/server/server.h"
#include "services/store/store.h"

// Read by jemalloc, which raamatchd links (services/server/CMakeLists.txt),
// as it starts; nothing reads it in a sanitizer build. Transparent huge
// pages for its memory: a page's first touch costs a fault, dear in a
// virtual machine, and a start writes a few hundred MiB of index
// (docs/architecture.md, "The allocator"). Background threads give freed
// memory back to the system within seconds even when nothing allocates:
// without them, a burst of 30,000 unfinished calls left raamatchd at 475 MB
// once they had gone; with them, 107 MB 18 s later.
extern "C" const char* malloc_conf;
const char* malloc_conf =
    "thp:always,metadata_thp:always,background_thread:true";

namespace {

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  raa::ServerOptions options;
  std::string port_file;
  CLI::App app{"raamatchd: the raamatch matching service"};
  app.add_option("--db", options.db_path, "SQLite database file")
      ->capture_default_str();
  app.add_option("--listen", options.listen,
                 "address to serve on (port 0 picks a free port)")
      ->capture_default_str();
  app.add_option("--bootstrap-key-file", options.bootstrap_key_file,
                 "file holding the first manager key: read if it exists, "
                 "written (mode 0600) if not");
  app.add_option("--hub-id", options.hub_id,
                 "id of the consortium's own authority, created on first "
                 "start")
      ->capture_default_str();
  app.add_option("--hub-region", options.hub_region, "region slug of the hub")
      ->capture_default_str();
  app.add_option("--workers", options.worker_threads,
                 "threads for database and ranking work")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--audit-retention-days", options.audit_retention_days,
                 "keep the audit trail of who read or changed which record "
                 "for this many days (pruned at start and daily)")
      ->capture_default_str()
      ->check(CLI::Range(1, 36500));
  app.add_flag(
      "--no-audit", [&options](int64_t) { options.audit = false; },
      "run without an audit trail: only to measure what it costs");
  app.add_flag(
      "--no-index-snapshot",
      [&options](int64_t) { options.index_snapshot = false; },
      "neither save the matching index (<db>.index) nor load it at "
      "start: rebuild it from the database every time");
  app.add_option("--index-save-after", options.index_save_after,
                 "save the matching index while serving once this many "
                 "records have been written since its last save (a start "
                 "after a crash reads those again, or rebuilds above 40000)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000}));
  app.add_option_function<int64_t>(
         "--unread-alerts-mib",
         [&options](int64_t mib) { options.unread_alerts_total = mib << 20; },
         "MiB of memory that WatchMatches streams together may hold in "
         "alerts for readers who do not keep up (about 3 KB an alert); past "
         "it, each stream holding more than its part (the total shared "
         "among the open streams, at least 256 KiB) is ended")
      ->default_str(absl::StrCat(options.unread_alerts_total >> 20))
      ->check(CLI::Range(int64_t{16}, int64_t{65'536}));
  app.add_option("--port-file", port_file,
                 "write the bound port to this file once serving");
  app.add_option("--tls-cert", options.tls_cert_file,
                 "serve TLS with this PEM certificate (chain, server's "
                 "first); needs --tls-key");
  app.add_option("--tls-key", options.tls_key_file,
                 "the PEM private key of --tls-cert");
  app.add_option("--client-ca", options.client_ca_file,
                 "require a client certificate signed by this PEM CA, and "
                 "bind each API key to its member's certificate (subject CN "
                 "= the key's authority id)");
  app.add_option("--bank-holidays", options.bank_holidays_file,
                 "England's bank holidays for working-day timescales, one "
                 "YYYY-MM-DD per line (default: " +
                     std::string(raa::kDefaultBankHolidaysFile) + ")");
  app.add_flag("--insecure", options.insecure,
               "allow plain text on an address that is not loopback (only "
               "behind a VPN or a TLS proxy)");
  bool issue_manager_key = false;
  app.add_flag("--issue-manager-key", issue_manager_key,
               "recovery when every manager key is lost: with the server "
               "stopped, print a new manager key for the hub and exit");
  bool compact = false;
  app.add_flag("--compact", compact,
               absl::StrCat("with the server stopped: rewrite the database "
                            "with ",
                            raa::Store::kPageSize / 1024,
                            " KiB pages and no free space, so that a rebuild "
                            "of the index reads it faster (needs free disk "
                            "of twice its size), and exit"))
      ->excludes("--issue-manager-key");
  app.set_version_flag("--version", std::string("raamatchd ") + raa::kVersion,
                       "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (absl::Status usable = raa::CheckServerOptions(options);
      !issue_manager_key && !compact && !usable.ok()) {
    std::cerr << "raamatchd: " << usable.message() << "\n";
    return kExitUsage;
  }

  // Abseil checks every lock for ordering cycles unless told not to; the
  // tests keep that check (it has caught a real inversion), the service
  // does not pay for it on every call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // The database, its journal and any key file are the service's alone.
  umask(077);

  if (issue_manager_key) {
    absl::StatusOr<raa::RecoveryKey> key = raa::IssueRecoveryKey(options);
    if (!key.ok()) {
      std::cerr << "raamatchd: " << key.status().message() << "\n";
      return 1;
    }
    std::cout << "New manager key for authority \"" << key->authority_id
              << "\" (shown once, keep it safe):\n  " << key->secret << "\n";
    return 0;
  }

  if (compact) {
    absl::StatusOr<std::string> done = raa::CompactDatabase(options);
    if (!done.ok()) {
      std::cerr << "raamatchd: " << done.status().message() << "\n";
      return 1;
    }
    std::cout << *done << "\n";
    return 0;
  }

  // Signals are taken by one thread with sigwait; block them everywhere else
  // before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Each connection is a file descriptor: 1,024, a common starting limit,
  // would cap the clients (common/open_files.h).
  if (absl::StatusOr<uint64_t> files = raa::RaiseOpenFilesLimit();
      !files.ok()) {
    std::cerr << "raamatchd: " << files.status().message() << "\n";
  } else if (*files < 4096) {
    std::cerr << "raamatchd: at most " << *files
              << " open files (ulimit -n; LimitNOFILE= under systemd): each "
                 "connection takes one\n";
  }
  absl::StatusOr<std::unique_ptr<raa::RaaServer>> server =
      raa::RaaServer::Start(options);
  if (!server.ok()) {
    std::cerr << "raamatchd: " << server.status().message() << "\n";
    return 1;
  }
  if (!(*server)->bootstrap_key().empty()) {
    if (options.bootstrap_key_file.empty()) {
      std::cout << "New database: bootstrap manager key for authority \""
                << options.hub_id << "\" (shown once, keep it safe):\n  "
                << (*server)->bootstrap_key() << "\n";
    } else {
      std::cout << "New database: the bootstrap manager key for authority \""
                << options.hub_id << "\" is in " << options.bootstrap_key_file
                << "\n";
    }
  }
  // The line first (flushed), then the port file: whoever waits for the
  // file finds the line written.
  std::cout << "raamatchd serving on " << (*server)->address() << " ("
            << (*server)->transport() << ") with database " << options.db_path
            << std::endl;
  if (!port_file.empty()) {
    std::ofstream out(port_file);
    out << (*server)->port() << "\n";
    if (!out.flush()) {
      // Whoever waits for the file would wait for ever.
      std::cerr << "raamatchd: cannot write " << port_file << "\n";
      (*server)->Shutdown();
      return 1;
    }
  }

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    std::cout << "raamatchd: signal " << signal << ", shutting down"
              << std::endl;
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  std::cout << "raamatchd: stopped" << std::endl;
  return 0;
}
