#include "clients/web/bounded_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace raa::web {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Waits up to `sec` + `usec` (rounded up to a millisecond) for `sock` to be
// readable (POLLIN) or writable (POLLOUT): > 0 ready, 0 timed out, < 0 an
// error.
int Wait(socket_t sock, short events, time_t sec, time_t usec) {
  pollfd p{.fd = sock, .events = events, .revents = 0};
  const int ms = static_cast<int>(sec * 1000 + (usec + 999) / 1000);
  int n;
  do {
    n = ::poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  if (n > 0 && (p.revents & (POLLERR | POLLNVAL)) != 0) return -1;
  return n;
}

// The numeric address and port of one end of `sock`: `name` is getpeername
// (the client's) or getsockname (ours); empty and 0 if it cannot be had.
void AddressOf(socket_t sock, int (*name)(int, sockaddr*, socklen_t*),
               std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> serv{};
  if (name(sock, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host.data(),
                  host.size(), serv.data(), serv.size(),
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    ip.clear();
    port = 0;
    return;
  }
  ip = host.data();
  port = std::atoi(serv.data());
}

// How a connection's bytes come and go: the socket itself, or TLS over it.
class Transport {
 public:
  virtual ~Transport() = default;
  // Bytes already taken off the socket and not yet read (a TLS record's).
  virtual bool Pending() const { return false; }
  // Up to `size` bytes, waiting at most `sec` + `usec` for each of the
  // socket's readiness (a transport that may wait more than once, as TLS
  // does for a record's rest, waits no later than `deadline`; one that waits
  // once leaves the deadline to its caller): > 0 read, 0 the peer closed,
  // < 0 an error or a wait timed out.
  virtual ssize_t Recv(char* ptr, size_t size, time_t sec, time_t usec,
                       Deadline deadline) = 0;
  // Up to `size` bytes: what the socket takes without blocking, waiting at
  // most `sec` + `usec` for it to take any (and, as Recv, no later than
  // `deadline`): > 0 sent, < 0 an error or a wait timed out.
  virtual ssize_t Send(const char* ptr, size_t size, time_t sec, time_t usec,
                       Deadline deadline) = 0;
};

// Plain HTTP: the socket's own bytes.
class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(socket_t sock) : sock_(sock) {}

  ssize_t Recv(char* ptr, size_t size, time_t sec, time_t usec,
               Deadline /*deadline*/) override {
    // One wait, then what arrived: the stream checks the deadline between.
    if (Wait(sock_, POLLIN, sec, usec) <= 0) return -1;
    ssize_t n;
    do {
      n = ::recv(sock_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  ssize_t Send(const char* ptr, size_t size, time_t sec, time_t usec,
               Deadline deadline) override {
    // Never a blocking send: one of a whole answer to a slow reader would
    // wait for all of it, past any pace the stream keeps.
    for (;;) {
      if (Wait(sock_, POLLOUT, sec, usec) <= 0) return -1;
      const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0 ||
          (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        return n;
      }
      if (Clock::now() >= deadline) return -1;
    }
  }

 private:
  const socket_t sock_;
};

// HTTPS: OpenSSL over the socket, which is non-blocking for the whole
// connection: every wait for the socket is bounded by the read or write
// timeout, and reads by the stream's deadline too (a TLS record trickled a
// byte at a time is still one read).
class TlsTransport final : public Transport {
 public:
  // `ssl` is set to the socket, which is already non-blocking.
  TlsTransport(socket_t sock, SslPtr ssl) : sock_(sock), ssl_(std::move(ssl)) {}
  ~TlsTransport() override {
    // A close_notify if the socket takes it at once (no waiting for the
    // client's), never after a fatal error, as OpenSSL requires.
    if (handshaken_ && !failed_) SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }

  // The handshake, within `sec` + `usec` in all.
  bool Handshake(time_t sec, time_t usec) {
    const Deadline deadline = Clock::now() + std::chrono::seconds(sec) +
                              std::chrono::microseconds(usec);
    for (;;) {
      ERR_clear_error();
      const int n = SSL_accept(ssl_.get());
      if (n == 1) {
        handshaken_ = true;
        return true;
      }
      if (!WaitFor(SSL_get_error(ssl_.get(), n), sec, usec, deadline)) {
        return false;
      }
    }
  }

  SSL* ssl() const { return ssl_.get(); }
  bool Pending() const override { return SSL_has_pending(ssl_.get()) == 1; }

  ssize_t Recv(char* ptr, size_t size, time_t sec, time_t usec,
               Deadline deadline) override {
    const int want = static_cast<int>(std::min<size_t>(size, INT_MAX));
    for (;;) {
      ERR_clear_error();
      const int n = SSL_read(ssl_.get(), ptr, want);
      if (n > 0) return n;
      const int error = SSL_get_error(ssl_.get(), n);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      if (!WaitFor(error, sec, usec, deadline)) return -1;
    }
  }
  ssize_t Send(const char* ptr, size_t size, time_t sec, time_t usec,
               Deadline deadline) override {
    if (size == 0) return 0;  // an error to OpenSSL
    // At most a record's worth at a time: a retried SSL_write must be given
    // the same bytes, so a larger one waits for all of them.
    const int want = static_cast<int>(std::min<size_t>(size, 16384));
    for (;;) {
      ERR_clear_error();
      const int n = SSL_write(ssl_.get(), ptr, want);
      if (n > 0) return n;
      if (!WaitFor(SSL_get_error(ssl_.get(), n), sec, usec, deadline)) {
        return -1;
      }
    }
  }

 private:
  // For SSL_ERROR_WANT_READ / _WRITE, waits for the socket (at most `sec`
  // + `usec`, and not past `deadline`); false for any other error (which
  // rules out a close_notify), a timeout or the deadline.
  bool WaitFor(int error, time_t sec, time_t usec, Deadline deadline) {
    short events;
    if (error == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      failed_ = error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL;
      return false;
    }
    const Deadline now = Clock::now();
    if (now >= deadline) return false;
    auto wait = std::chrono::seconds(sec) + std::chrono::microseconds(usec);
    if (deadline != Deadline::max()) {
      wait = std::min<decltype(wait)>(
          wait, std::chrono::duration_cast<std::chrono::microseconds>(deadline -
                                                                      now) +
                    std::chrono::microseconds(1));
    }
    const auto micros = wait.count();
    return Wait(sock_, events, static_cast<time_t>(micros / 1'000'000),
                static_cast<time_t>(micros % 1'000'000)) > 0;
  }

  const socket_t sock_;
  const SslPtr ssl_;
  bool handshaken_ = false;
  bool failed_ = false;  // a fatal error: no close_notify
};

// A connection's bytes: read through a buffer that outlives one request
// (a pipelined request's bytes are kept), counting each request's bytes as
// httplib takes them: its head until the line "\r\n" that ends it (a
// line not ended by "\r\n" is refused: see TakeHead), and the whole request
// against `max_request_bytes` (httplib's payload limit checks Content-Length
// only, not a chunked body or one read to the end of the connection). A head
// must arrive within kHeadTimeout, a body at kBodyMinBytesPerSecond once
// kBodyGrace has passed and within kBodyMaxTime.
class BoundedStream : public httplib::Stream {
 public:
  BoundedStream(socket_t sock, Transport& transport, time_t read_sec,
                time_t read_usec, time_t write_sec, time_t write_usec,
                size_t max_request_bytes, const AnswerPace& answer_pace)
      : sock_(sock),
        transport_(transport),
        read_sec_(read_sec),
        read_usec_(read_usec),
        write_sec_(write_sec),
        write_usec_(write_usec),
        max_request_bytes_(max_request_bytes),
        answer_pace_(answer_pace) {}

  // A new request begins with the next byte read.
  void StartRequest() {
    in_head_ = true;
    request_bytes_ = 0;
    line_bytes_ = 0;
    after_cr_ = false;
    line_.clear();
    head_lines_ = 0;
    content_lengths_ = 0;
    transfer_encodings_ = 0;
    has_body_length_ = false;
    method_.clear();
    head_refused_ = false;
    head_deadline_ = Clock::now() + BoundedServer::kHeadTimeout;
    answer_start_ = Deadline::max();
    answer_bytes_ = 0;
  }
  bool Buffered() const { return begin_ < end_ || transport_.Pending(); }
  // Whether a request was refused for its size or its slowness: the
  // connection ends.
  bool refused() const { return refused_; }

  bool is_readable() const override {
    return Buffered() || Wait(sock_, POLLIN, read_sec_, read_usec_) > 0;
  }
  bool is_writable() const override {
    return Wait(sock_, POLLOUT, write_sec_, write_usec_) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    // httplib reads only before it answers, but may write first (a "100
    // Continue" before the body): the answer's time starts after the last
    // read.
    answer_start_ = Deadline::max();
    answer_bytes_ = 0;
    if (head_refused_) {
      refused_ = true;
      return -1;
    }
    if (begin_ == end_) {
      // A head still coming after kHeadTimeout, a body slower than the
      // least rate (checked as more is read: what is here is taken).
      const Deadline deadline = ReadDeadline();
      if (Clock::now() > deadline) {
        refused_ = true;
        return -1;
      }
      const ssize_t n = transport_.Recv(buffer_.data(), buffer_.size(),
                                        read_sec_, read_usec_, deadline);
      if (n <= 0) {
        // A read that fails mid-request (a stall past the read timeout, the
        // deadline) leaves httplib's place in the stream lost: the
        // connection ends after its answer, rather than taking what comes
        // next as a new request with fresh time.
        if (n < 0) refused_ = true;
        return n;
      }
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t take = std::min(size, end_ - begin_);
    if (in_head_) {
      take = TakeHead(take);
      if (!in_head_) body_start_ = Clock::now();
    } else if (request_bytes_ + take > max_request_bytes_) {
      take = 0;
    } else {
      request_bytes_ += take;
    }
    if (take == 0) {
      refused_ = true;
      return -1;
    }
    std::memcpy(ptr, buffer_.data() + begin_, take);
    begin_ += take;
    return static_cast<ssize_t>(take);
  }

  ssize_t write(const char* ptr, size_t size) override {
    // Once a write has failed, none follows: httplib goes on to the body
    // after a failed head, and a TLS write retried with other bytes is an
    // error to OpenSSL.
    if (write_failed_) return -1;
    // httplib answers before the head has ended only when it refuses the
    // head (an unknown method, a line too long): the bytes after it are not
    // a request, and the connection ends with this answer.
    if (in_head_) refused_ = true;
    // The answer's pace: each wait for the socket within the write timeout
    // and the answer's deadline.
    const Deadline now = Clock::now();
    if (answer_start_ == Deadline::max()) {
      answer_start_ = now;
      // An answer that refuses the request as sent (400, 411, 413, 414,
      // 431: httplib's own, after the head, or a form's errors) may leave
      // part of it unread: the connection ends with it, rather than read
      // what is left as the next request.
      const absl::string_view start(ptr, std::min<size_t>(size, 12));
      if (absl::StartsWith(start, "HTTP/1.1 4") && start.size() == 12) {
        const absl::string_view code = start.substr(9, 3);
        if (code == "400" || code == "411" || code == "413" || code == "414" ||
            code == "431") {
          refused_ = true;
        }
      }
    }
    const Deadline deadline = AnswerDeadline();
    if (now >= deadline) {
      refused_ = true;
      write_failed_ = true;
      return -1;
    }
    const auto micros = std::min<std::chrono::microseconds>(
        std::chrono::seconds(write_sec_) +
            std::chrono::microseconds(write_usec_),
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - now) +
            std::chrono::microseconds(1));
    const ssize_t n = transport_.Send(
        ptr, size, static_cast<time_t>(micros.count() / 1'000'000),
        static_cast<time_t>(micros.count() % 1'000'000), deadline);
    if (n > 0) {
      answer_bytes_ += static_cast<size_t>(n);
    } else {
      refused_ = true;
      write_failed_ = true;
    }
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  // When the bytes still to come must have come by: the head's deadline,
  // or for a body kBodyGrace after its head plus a second for each
  // kBodyMinBytesPerSecond bytes taken since, kBodyMaxTime at most.
  Deadline ReadDeadline() const {
    if (in_head_) return head_deadline_;
    return body_start_ +
           std::min<std::chrono::seconds>(
               BoundedServer::kBodyMaxTime,
               BoundedServer::kBodyGrace +
                   std::chrono::seconds((request_bytes_ - head_bytes_) /
                                        BoundedServer::kBodyMinBytesPerSecond));
  }

  // When the answer must have been taken by: its grace after its first
  // byte was written, plus a second for each min_bytes_per_second bytes
  // taken since, max_time at most.
  Deadline AnswerDeadline() const {
    return answer_start_ +
           std::min<std::chrono::seconds>(
               answer_pace_.max_time,
               std::max<std::chrono::seconds>(answer_pace_.grace,
                                              std::chrono::seconds(1)) +
                   std::chrono::seconds(
                       answer_bytes_ /
                       std::max<size_t>(answer_pace_.min_bytes_per_second, 1)));
  }

  // Of the next `take` buffered bytes, how many httplib may have: up to
  // the end of the head (a line of exactly "\r\n"), and none once the head
  // would pass kMaxHeadBytes.
  //
  // A head whose framing two readers could take differently is refused
  // there, before httplib sees its end (RFC 9112 section 6.3: a proxy in
  // front and raa-web must agree where each request ends, or the bytes of
  // one are run as another): a line not ended by "\r\n", a folded header
  // line, a header name with a space, Content-Length twice or not one
  // number, Transfer-Encoding other than "chunked" alone, or both.
  size_t TakeHead(size_t take) {
    for (size_t i = 0; i < take; ++i) {
      if (++request_bytes_ > BoundedServer::kMaxHeadBytes) return i;
      const char c = buffer_[begin_ + i];
      if (c == '\n') {
        const bool head_ends = line_bytes_ == 1 && after_cr_;
        if (!after_cr_ || (head_ends ? !FramingAgreed() : !HeaderLineOk())) {
          head_refused_ = true;
          --request_bytes_;
          return i;
        }
        if (head_ends) {
          in_head_ = false;
          head_bytes_ = request_bytes_;
          return i + 1;
        }
        line_bytes_ = 0;
        line_.clear();
        ++head_lines_;
      } else {
        // A "\r" not followed by "\n" ends a line for some readers only.
        if (after_cr_) {
          head_refused_ = true;
          --request_bytes_;
          return i;
        }
        ++line_bytes_;
        if (c != '\r' && line_.size() < kLineKept) line_.push_back(c);
      }
      after_cr_ = c == '\r';
    }
    return take;
  }

  // The line in line_ (its first kLineKept bytes, "\r" left out), ended
  // by "\r\n": the request line, or a header line httplib and a proxy read
  // alike. Counts the framing headers.
  bool HeaderLineOk() {
    if (head_lines_ == 0) {
      // The request line (httplib's to judge): its method says whether
      // httplib reads a body.
      method_ = line_.substr(0, line_.find(' '));
      return true;
    }
    if (line_.empty()) return true;  // a bare "\r\n" ends the head
    if (line_[0] == ' ' || line_[0] == '\t') return false;  // obs-fold
    const size_t colon = line_.find(':');
    if (colon == std::string::npos) return true;  // not a header: skipped
    const absl::string_view name = absl::string_view(line_).substr(0, colon);
    // A token (RFC 9110 section 5.6.2): no space before the colon, nothing
    // a reader could take for another header's start.
    if (name.empty() || !absl::c_all_of(name, [](char ch) {
          return absl::ascii_isalnum(ch) ||
                 absl::string_view("!#$%&'*+-.^_`|~").find(ch) !=
                     absl::string_view::npos;
        })) {
      return false;
    }
    const absl::string_view value =
        absl::StripAsciiWhitespace(absl::string_view(line_).substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      ++content_lengths_;
      // Kept whole, one number of at most 18 digits.
      if (line_bytes_ > kLineKept || value.empty() || value.size() > 18 ||
          !absl::c_all_of(value, absl::ascii_isdigit)) {
        return false;
      }
      has_body_length_ =
          value.find_first_not_of('0') != absl::string_view::npos;
      return true;
    }
    if (absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      ++transfer_encodings_;
      return line_bytes_ <= kLineKept &&
             absl::EqualsIgnoreCase(value, "chunked");
    }
    return true;
  }
  // At the head's end: one way to find the body's end, and one httplib
  // follows. httplib reads a body only for POST, PUT, PATCH, DELETE and PRI,
  // and reads one without a length to the end of the connection: those
  // need a length (a browser's form always has one), the others may not
  // have a body at all.
  bool FramingAgreed() const {
    if (content_lengths_ + transfer_encodings_ > 1) return false;
    const bool reads_body = method_ == "POST" || method_ == "PUT" ||
                            method_ == "PATCH" || method_ == "DELETE" ||
                            method_ == "PRI";
    if (reads_body) return content_lengths_ + transfer_encodings_ == 1;
    return transfer_encodings_ == 0 && !has_body_length_;
  }

  const socket_t sock_;
  Transport& transport_;
  const time_t read_sec_, read_usec_, write_sec_, write_usec_;
  std::array<char, 4096> buffer_{};
  size_t begin_ = 0, end_ = 0;  // the buffered bytes not yet read
  const size_t max_request_bytes_;
  bool in_head_ = true;
  size_t request_bytes_ = 0;  // of the current request, taken by httplib
  size_t head_bytes_ = 0;     // of them, its head's
  size_t line_bytes_ = 0;     // of the current head line, before its "\n"
  bool after_cr_ = false;     // the last byte taken was "\r"
  // The current head line's first bytes ("\r" left out), its number in
  // the head, and the framing headers so far.
  static constexpr size_t kLineKept = 256;
  std::string line_;
  size_t head_lines_ = 0;
  int content_lengths_ = 0;
  int transfer_encodings_ = 0;
  bool has_body_length_ = false;  // a Content-Length above 0
  std::string method_;
  bool head_refused_ = false;  // its framing is ambiguous: refused
  Deadline head_deadline_ = Deadline::max();
  Deadline body_start_ = Deadline::max();
  const AnswerPace answer_pace_;
  Deadline answer_start_ = Deadline::max();  // the answer's first write
  size_t answer_bytes_ = 0;                  // of the answer, taken
  bool write_failed_ = false;                // the connection's writes end
  bool refused_ = false;
};

// Whether `sock` has a request to read within `timeout_sec`, checking
// every 10 ms that the server has not stopped (as httplib's keep-alive
// wait does).
bool NextRequestArrives(const std::atomic<socket_t>& server_sock, socket_t sock,
                        time_t timeout_sec) {
  const Deadline deadline = Clock::now() + std::chrono::seconds(timeout_sec);
  while (server_sock != INVALID_SOCKET) {
    const int ready = Wait(sock, POLLIN, 0, 10000);
    if (ready < 0) return false;
    if (ready > 0) return true;
    if (Clock::now() > deadline) return false;
  }
  return false;
}

// httplib's keep-alive settings, as ServeRequests follows them.
struct ConnectionLimits {
  size_t keep_alive_max_count;
  time_t keep_alive_timeout_sec;
};

// The connection's requests, each through `stream`, as httplib's own loop
// serves them: up to `limits.keep_alive_max_count`, waiting up to
// `limits.keep_alive_timeout_sec` between them. `process` is httplib's
// process_request (protected, so the servers pass it in). Whether the last
// request was served.
template <typename Process>
bool ServeRequests(const std::atomic<socket_t>& server_sock, socket_t sock,
                   BoundedStream& stream, const ConnectionLimits& limits,
                   Process process) {
  bool ok = false;
  for (size_t left = limits.keep_alive_max_count; left > 0; --left) {
    if (!stream.Buffered() &&
        !NextRequestArrives(server_sock, sock, limits.keep_alive_timeout_sec)) {
      break;
    }
    stream.StartRequest();
    bool closed = false;
    ok = process(stream, /*close_connection=*/left == 1, closed);
    if (!ok || closed || stream.refused()) break;
  }
  return ok;
}

// The most a whole request may be: the body's limit, and room for a chunked
// body's framing (a browser's forms never are chunked).
size_t MaxRequestBytes(size_t payload_max_length) {
  return payload_max_length > BoundedServer::kMaxRequestBytes / 2
             ? BoundedServer::kMaxRequestBytes
             : 2 * payload_max_length + BoundedServer::kMaxHeadBytes;
}

// Closes `sock`, first taking (and dropping) what its client is still
// sending when the connection ends on a refusal, for at most
// kLingerTime and kLingerBytes: a request refused before its body was read
// has its answer reach the client, where closing at once, with its bytes
// unread, would reset the connection before the client read the answer
// (Apache's "lingering close").
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerBytes = size_t{1} << 20;
void CloseSocket(socket_t sock, bool linger) {
  if (linger) {
    ::shutdown(sock, SHUT_WR);
    const Deadline deadline = Clock::now() + kLingerTime;
    std::array<char, 16384> scratch;
    for (size_t taken = 0; taken < kLingerBytes;) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          deadline - Clock::now());
      if (left.count() <= 0 ||
          Wait(sock, POLLIN, 0, static_cast<time_t>(left.count())) <= 0) {
        break;
      }
      const ssize_t n = ::recv(sock, scratch.data(), scratch.size(), 0);
      if (n <= 0) break;
      taken += static_cast<size_t>(n);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

bool BoundedServer::process_and_close_socket(socket_t sock) {
  PlainTransport transport(sock);
  BoundedStream stream(sock, transport, read_timeout_sec_, read_timeout_usec_,
                       write_timeout_sec_, write_timeout_usec_,
                       MaxRequestBytes(payload_max_length_), answer_pace_);
  const bool ok = ServeRequests(
      svr_sock_, sock, stream, {keep_alive_max_count_, keep_alive_timeout_sec_},
      [this](httplib::Stream& s, bool close_connection, bool& closed) {
        return process_request(s, close_connection, closed, nullptr);
      });
  CloseSocket(sock, stream.refused());
  return ok;
}

bool BoundedSslServer::process_and_close_socket(socket_t sock) {
  bool ok = false;
  bool linger = false;
  const int flags = ::fcntl(sock, F_GETFL);
  SslPtr ssl(flags < 0 ? nullptr : SSL_new(ssl_context()));
  if (ssl != nullptr && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0 &&
      SSL_set_fd(ssl.get(), sock) == 1) {
    TlsTransport transport(sock, std::move(ssl));
    // The handshake within the read timeout (at most the head's time): a
    // browser's takes a round trip or two.
    const time_t head_sec = BoundedServer::kHeadTimeout.count();
    const bool within_head = read_timeout_sec_ < head_sec;
    if (transport.Handshake(within_head ? read_timeout_sec_ : head_sec,
                            within_head ? read_timeout_usec_ : 0)) {
      BoundedStream stream(sock, transport, read_timeout_sec_,
                           read_timeout_usec_, write_timeout_sec_,
                           write_timeout_usec_,
                           MaxRequestBytes(payload_max_length_), answer_pace_);
      SSL* const session = transport.ssl();
      ok = ServeRequests(
          svr_sock_, sock, stream,
          {keep_alive_max_count_, keep_alive_timeout_sec_},
          [this, session](httplib::Stream& s, bool close_connection,
                          bool& closed) {
            // As httplib's SSLServer: a handler may look at the session.
            return process_request(
                s, close_connection, closed,
                [session](httplib::Request& req) { req.ssl = session; });
          });
      linger = stream.refused();
    }
  }
  // After the TLS session's end (the transport's): what the client still
  // sends is dropped unread, as records.
  CloseSocket(sock, linger);
  return ok;
}

}  // namespace raa::web
