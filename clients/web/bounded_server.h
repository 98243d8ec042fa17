// raa-web's HTTP server: cpp-httplib's, reading each request's head (its
// request line and header lines) through a stream that refuses a head of
// more than kMaxHeadBytes. Debian's libcpp-httplib 0.11 limits each header
// line to 8 KB but not their number: one request of a million `X-a: b`
// lines (8 MB) made raa-web hold 104 MiB, and a few such connections
// gigabytes, before a key was asked for.
//
//   BoundedServer http;  // in place of httplib::Server
//   http.Get("/", ...);
//   http.listen("127.0.0.1", 8080);
//
// Everything else is httplib's: a connection serves up to
// keep_alive_max_count requests, waits keep_alive_timeout between them and
// the read and write timeouts within one; the body's limit is
// set_payload_max_length's. A head too long is answered 400 (httplib's
// answer to headers it cannot read) and the connection closed. Plain HTTP
// only: raa-web --tls-cert serves httplib's SSLServer, whose head is not
// bounded (docs/web.md: put a reverse proxy in front).
#ifndef RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_
#define RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_

#include <httplib.h>

#include <cstddef>

namespace raa::web {

class BoundedServer : public httplib::Server {
 public:
  // A head's request line (up to 8 KB of URI) and headers together: a
  // browser's are 1-2 KB, with every cookie.
  static constexpr size_t kMaxHeadBytes = size_t{32} << 10;

 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_
