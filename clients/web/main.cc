// raa-web: the raamatch web console, a client of raamatchd (docs/web.md).
//
//   raa-web --server 127.0.0.1:50051 --ca demo/tls/ca.crt
//       --listen 127.0.0.1:8080
//   raa-web --server raa.example.org:50051 --ca ca.crt
//       --listen 0.0.0.0:443 --tls-cert web.crt --tls-key web.key
//
// Plain HTTP is served only on a loopback --listen address, and plain gRPC
// to raamatchd is used only for a loopback --server; otherwise give TLS
// files. SIGINT or SIGTERM stops it: requests under way get
// --stop-grace-seconds to finish (a slow client's unfinished request is not
// waited for longer; a second signal ends the wait), then it exits; it
// keeps nothing that needs saving.
//
// Exit codes: 0 stopped cleanly (or --help, --version); 1 could not start;
// 2 a usage error.
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "clients/web/bounded_server.h"
#include "clients/web/connection_threads.h"
#include "clients/web/views.h"
#include "clients/web/web_app.h"
#include "common/open_files.h"
#include "common/version.h"

// Read by jemalloc, which raa-web links (clients/web/CMakeLists.txt), as it
// starts; nothing reads it in a sanitizer build. Background threads give
// freed memory back to the system within seconds: with glibc's allocator,
// four requests of 16 MB of headers left raa-web at 906 MiB ten minutes
// later (now refused at 32 KiB: BoundedServer).
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true";

namespace {

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  raa::ClientTlsFiles tls_files;
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  int idle_minutes = 30;
  int threads = 64;
  int max_threads = 1024;
  int stop_grace_seconds = 10;
  int rpc_deadline_seconds = 20;
  std::string assets = RAA_WEB_DEFAULT_ASSETS;

  CLI::App app{"raa-web: the raamatch web console"};
  app.add_option("--server", server, "raamatchd address")
      ->capture_default_str();
  app.add_option("--ca", tls_files.ca_file,
                 "PEM file of the CA that signed raamatchd's certificate: "
                 "connect with TLS and verify it (without it, plain text, "
                 "only to a loopback --server)");
  app.add_option("--cert", tls_files.cert_file,
                 "PEM client certificate for a raamatchd that requires one");
  app.add_option("--client-key", tls_files.key_file,
                 "the PEM private key of --cert");
  app.add_option("--listen", listen,
                 "address to serve the console on (port 0 picks a free port)")
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "write the bound port to this file once listening");
  app.add_option("--tls-cert", tls_cert,
                 "serve HTTPS with this PEM certificate chain; needs "
                 "--tls-key (without them, plain HTTP only on loopback)");
  app.add_option("--tls-key", tls_key, "the PEM private key of --tls-cert");
  app.add_option("--session-idle-minutes", idle_minutes,
                 "sign a session out after this many idle minutes")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 60));
  app.add_option("--threads", threads,
                 "HTTP worker threads kept ready (one serves a connection)")
      ->capture_default_str()
      ->check(CLI::Range(2, 512));
  app.add_option("--max-threads", max_threads,
                 "most HTTP worker threads at once: more start while every "
                 "one is busy (slow clients hold theirs), up to this")
      ->capture_default_str()
      ->check(CLI::Range(2, 16384));
  app.add_option("--stop-grace-seconds", stop_grace_seconds,
                 "on SIGINT or SIGTERM, how long requests under way may take "
                 "to finish (a second signal stops it at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  app.add_option("--rpc-deadline-seconds", rpc_deadline_seconds,
                 "how long a page waits for raamatchd's answer to each "
                 "call; a change that is not answered in time is shown "
                 "with a button to send it again, safely")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  app.add_option("--assets", assets,
                 "govuk-frontend's dist/govuk folder (default: the build "
                 "tree's copy)")
      ->capture_default_str();
  app.set_version_flag("--version", std::string("raa-web ") + raa::kVersion,
                       "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  if (max_threads < threads) {
    std::cerr << "raa-web: --max-threads " << max_threads
              << " is below --threads " << threads << "\n";
    return kExitUsage;
  }
  std::optional<raa::web::HostPort> where = raa::web::ParseHostPort(listen);
  if (!where.has_value()) {
    std::cerr << "raa-web: --listen " << listen
              << ": give HOST:PORT, e.g. 127.0.0.1:8080\n";
    return kExitUsage;
  }
  if (tls_cert.empty() != tls_key.empty()) {
    std::cerr << "raa-web: --tls-cert and --tls-key go together\n";
    return kExitUsage;
  }
  bool https = !tls_cert.empty();
  if (!https && !raa::web::IsLoopbackHost(where->host)) {
    std::cerr << "raa-web: --listen " << listen
              << " is not a loopback address: serving plain HTTP there would "
                 "send session cookies and API keys in the clear; give "
                 "--tls-cert and --tls-key, or listen on 127.0.0.1\n";
    return kExitUsage;
  }
  absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(tls_files);
  if (!tls.ok()) {
    std::cerr << "raa-web: " << tls.status().message() << "\n";
    return kExitUsage;
  }
  std::optional<raa::web::HostPort> upstream = raa::web::ParseHostPort(server);
  if (!tls->enabled &&
      (!upstream.has_value() || !raa::web::IsLoopbackHost(upstream->host))) {
    std::cerr << "raa-web: --server " << server
              << " is not a loopback address: give --ca (raamatchd's CA) "
                 "to reach it over TLS\n";
    return kExitUsage;
  }

  // A connection is a file descriptor, and each worker may hold one
  // (common/open_files.h).
  if (absl::StatusOr<uint64_t> files = raa::RaiseOpenFilesLimit();
      !files.ok()) {
    std::cerr << "raa-web: " << files.status().message() << "\n";
  } else if (*files < static_cast<uint64_t>(max_threads) + 256) {
    std::cerr << "raa-web: at most " << *files
              << " open files (ulimit -n): fewer than --max-threads "
              << max_threads << " connections can be open at once\n";
  }
  std::unique_ptr<httplib::Server> http;
  if (https) {
    auto ssl = std::make_unique<raa::web::BoundedSslServer>(tls_cert.c_str(),
                                                            tls_key.c_str());
    if (!ssl->is_valid()) {
      std::cerr << "raa-web: cannot serve HTTPS with --tls-cert " << tls_cert
                << " and --tls-key " << tls_key
                << " (unreadable, not PEM, or not a pair)\n";
      return 1;
    }
    http = std::move(ssl);
  } else {
    http = std::make_unique<raa::web::BoundedServer>();
  }
  http->new_task_queue = [threads, max_threads] {
    return new raa::web::ConnectionThreads(
        {.min_threads = static_cast<size_t>(threads),
         .max_threads = static_cast<size_t>(max_threads)});
  };
  http->set_payload_max_length(1 << 20);
  // A kept-alive connection holds a worker while it idles: keep that short
  // so 20 or more browsers' connections do not starve the pool.
  http->set_keep_alive_timeout(2);
  // Up to 100 requests on one connection: httplib's default, 5, makes 20
  // browsers reconnect at once, and Debian's libcpp-httplib listens with a
  // backlog of 5 (compiled into the library), so some wait a second for a
  // retry. Pages are small: send them at once rather than waiting for the
  // browser's delayed ACK (Nagle's algorithm: ~40 ms).
  http->set_keep_alive_max_count(100);
  http->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second console on the same port starts and the kernel splits browsers
  // between the two (sessions live in one process: users were signed out
  // at random). A port in use is refused, as raamatchd refuses it.
  http->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  raa::web::WebApp web({.server = server,
                        .tls = *tls,
                        .session_idle = absl::Minutes(idle_minutes),
                        .assets_dir = assets,
                        .https = https,
                        .rpc_deadline = absl::Seconds(rpc_deadline_seconds)});
  if (absl::Status installed = web.Install(*http); !installed.ok()) {
    std::cerr << "raa-web: " << installed.message() << "\n";
    return kExitUsage;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int port = where->port;
  if (port == 0) {
    port = http->bind_to_any_port(where->host);
    if (port < 0) port = 0;
  } else if (!http->bind_to_port(where->host, port)) {
    port = 0;
  }
  if (port == 0) {
    std::cerr << "raa-web: cannot listen on " << listen << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    std::ofstream out(port_file);
    out << port << "\n";
    if (!out.flush()) {
      // A script waiting for the file would wait for ever.
      std::cerr << "raa-web: cannot write " << port_file << "\n";
      return 1;
    }
  }
  std::string host = where->host.find(':') != std::string::npos
                         ? "[" + where->host + "]"
                         : where->host;
  std::cout << "raa-web serving " << (https ? "https" : "http") << "://" << host
            << ":" << port << "/ for raamatchd at " << server << " ("
            << (tls->enabled ? "TLS" : "plain text") << ")" << std::endl;
  absl::Notification listening_ended;
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (listening_ended.HasBeenNotified()) return;
    std::cout << "raa-web: signal " << signal << ", stopping" << std::endl;
    // stop() does nothing before listening has begun: a signal that came
    // as it started would be lost.
    while (!http->is_running() && !listening_ended.HasBeenNotified()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    http->stop();
    // listen_after_bind returns once every connection's worker is done, and
    // a slow client's is done only when the client stops sending. The main
    // thread wakes this one with SIGTERM when it has returned; a second
    // signal ends the wait at once.
    const timespec grace{.tv_sec = stop_grace_seconds, .tv_nsec = 0};
    const int again = sigtimedwait(&signals, nullptr, &grace);
    if (listening_ended.HasBeenNotified()) return;
    std::cout << "raa-web: "
              << (again > 0 ? "a second signal"
                            : absl::StrCat("connections still open after ",
                                           stop_grace_seconds, " s"))
              << "; stopped" << std::endl;
    std::_Exit(0);
  });
  bool ok = http->listen_after_bind();
  listening_ended.Notify();
  // listen_after_bind returns once stop() is called (or on failure); wake the
  // waiter if it is still waiting.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  std::cout << "raa-web: stopped" << std::endl;
  return ok ? 0 : 1;
}
