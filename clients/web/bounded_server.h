// raa-web's HTTP server: cpp-httplib's, reading each request through a
// stream that bounds it. Debian's libcpp-httplib 0.11 limits each header
// line to 8 KB but not their number (one request of a million `X-a: b`
// lines, 8 MB, made raa-web hold 104 MiB before a key was asked for), and
// checks set_payload_max_length against Content-Length only (a chunked
// body, or one read to the end of the connection, was taken whole).
//
//   BoundedServer http;  // in place of httplib::Server
//   http.Get("/", ...);
//   http.listen("127.0.0.1", 8080);
//
// An answer must be taken at the AnswerPace (below), or its connection
// is closed.
//
// A request's head (its request line and header lines, to the line
// "\r\n") is at most kMaxHeadBytes and must arrive within kHeadTimeout of
// its first byte; its body must keep up kBodyMinBytesPerSecond once
// kBodyGrace has passed (as Apache's mod_reqtimeout asks); the whole
// request is at most twice set_payload_max_length plus the head (room for a
// chunked body's framing). Past any, or at any read that fails within a
// request (a stall past the read timeout), httplib's read fails: the
// request is answered 400 (a request line alone too long ends the
// connection with no answer) and the connection is closed. Everything else
// is httplib's: a connection serves up to keep_alive_max_count requests,
// waits keep_alive_timeout between them and the read and write timeouts
// within one.
//
// BoundedSslServer is the same over TLS, in place of httplib::SSLServer
// (raa-web --tls-cert), whose requests had none of these bounds: the socket
// is non-blocking throughout, the handshake must end within the read
// timeout, and a TLS record sent a byte at a time counts against the head's
// or the body's time like any other bytes.
#ifndef RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_
#define RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_

#include <httplib.h>

#include <chrono>
#include <cstddef>

namespace raa::web {

// How slowly a client may take an answer, from the server's first write
// after the request's last read: `grace` (at least a second), then a second
// more for each `min_bytes_per_second` bytes it has taken, and never longer
// than `max_time` (a 1 MB CSV then needs 3.4 KB/s on average; what the
// kernel's send buffer holds counts as taken). A client slower than this (a
// byte every few seconds, each within the write timeout) has its connection
// closed, rather than keeping a worker for as long as it likes. Set before
// listen().
struct AnswerPace {
  std::chrono::seconds grace{20};
  size_t min_bytes_per_second = 1000;
  std::chrono::seconds max_time{300};
};

class BoundedServer : public httplib::Server {
 public:
  void set_answer_pace(const AnswerPace& pace) { answer_pace_ = pace; }

  // A head's request line (up to 8 KB of URI) and headers together: a
  // browser's are 1-2 KB, with every cookie.
  static constexpr size_t kMaxHeadBytes = size_t{32} << 10;
  // A head sent slower than this (a byte every few seconds, each within the
  // read timeout) is refused: a browser sends its head at once.
  static constexpr std::chrono::seconds kHeadTimeout{30};
  // The most a request may be, whatever the payload limit.
  static constexpr size_t kMaxRequestBytes = size_t{64} << 20;
  // A body's time: this long, then a second more for each
  // kBodyMinBytesPerSecond bytes (a 1 MB upload on a 100 kbit/s line takes
  // 80 s).
  static constexpr std::chrono::seconds kBodyGrace{20};
  static constexpr size_t kBodyMinBytesPerSecond = 500;
  // And never longer than this (a 1 MB upload then needs 70 kbit/s).
  static constexpr std::chrono::seconds kBodyMaxTime{120};

 private:
  bool process_and_close_socket(socket_t sock) override;

  AnswerPace answer_pace_;
};

// BoundedServer over TLS: constructed as httplib::SSLServer is.
class BoundedSslServer : public httplib::SSLServer {
 public:
  using httplib::SSLServer::SSLServer;

  void set_answer_pace(const AnswerPace& pace) { answer_pace_ = pace; }

 private:
  bool process_and_close_socket(socket_t sock) override;

  AnswerPace answer_pace_;
};

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_BOUNDED_SERVER_H_
