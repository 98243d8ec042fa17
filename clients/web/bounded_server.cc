#include "clients/web/bounded_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>

namespace raa::web {
namespace {

// Waits up to `sec` + `usec` for `sock` to be readable (POLLIN) or
// writable (POLLOUT): > 0 ready, 0 timed out, < 0 an error.
int Wait(socket_t sock, short events, time_t sec, time_t usec) {
  pollfd p{.fd = sock, .events = events, .revents = 0};
  const int ms = static_cast<int>(sec * 1000 + usec / 1000);
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

// A connection's bytes: read through a buffer that outlives one request
// (a pipelined request's bytes are kept), counting each request's bytes as
// httplib takes them: its head until the line "\r\n" that ends it (as
// httplib's read_headers reads it: a bare "\n" line is skipped there, not an
// end), and the whole request against `max_request_bytes` (httplib's
// payload limit checks Content-Length only, not a chunked body or one read
// to the end of the connection).
class HeadBoundedStream : public httplib::Stream {
 public:
  HeadBoundedStream(socket_t sock, time_t read_sec, time_t read_usec,
                    time_t write_sec, time_t write_usec,
                    size_t max_request_bytes)
      : sock_(sock),
        read_sec_(read_sec),
        read_usec_(read_usec),
        write_sec_(write_sec),
        write_usec_(write_usec),
        max_request_bytes_(max_request_bytes) {}

  // A new request begins with the next byte read.
  void StartRequest() {
    in_head_ = true;
    request_bytes_ = 0;
    line_bytes_ = 0;
    after_cr_ = false;
    head_deadline_ =
        std::chrono::steady_clock::now() + BoundedServer::kHeadTimeout;
  }
  bool Buffered() const { return begin_ < end_; }
  // Whether a request was refused for its size or its head's slowness: the
  // connection ends.
  bool refused() const { return refused_; }

  bool is_readable() const override {
    return Buffered() || Wait(sock_, POLLIN, read_sec_, read_usec_) > 0;
  }
  bool is_writable() const override {
    return Wait(sock_, POLLOUT, write_sec_, write_usec_) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (!Buffered()) {
      // A head still coming after kHeadTimeout (checked as more is read: a
      // head already here is taken whole).
      if (in_head_ && std::chrono::steady_clock::now() > head_deadline_) {
        refused_ = true;
        return -1;
      }
      if (Wait(sock_, POLLIN, read_sec_, read_usec_) <= 0) return -1;
      ssize_t n;
      do {
        n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t take = std::min(size, end_ - begin_);
    if (in_head_) {
      take = TakeHead(take);
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
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
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
  // Of the next `take` buffered bytes, how many httplib may have: up to
  // the end of the head (a line of exactly "\r\n"), and none once the head
  // would pass kMaxHeadBytes.
  size_t TakeHead(size_t take) {
    for (size_t i = 0; i < take; ++i) {
      if (++request_bytes_ > BoundedServer::kMaxHeadBytes) return i;
      const char c = buffer_[begin_ + i];
      if (c == '\n') {
        if (line_bytes_ == 1 && after_cr_) {
          in_head_ = false;
          return i + 1;
        }
        line_bytes_ = 0;
      } else {
        ++line_bytes_;
      }
      after_cr_ = c == '\r';
    }
    return take;
  }

  const socket_t sock_;
  const time_t read_sec_, read_usec_, write_sec_, write_usec_;
  std::array<char, 4096> buffer_{};
  size_t begin_ = 0, end_ = 0;  // the buffered bytes not yet read
  const size_t max_request_bytes_;
  bool in_head_ = true;
  size_t request_bytes_ = 0;  // of the current request, taken by httplib
  size_t line_bytes_ = 0;     // of the current head line, before its "\n"
  bool after_cr_ = false;     // the last byte taken was "\r"
  std::chrono::steady_clock::time_point head_deadline_ =
      std::chrono::steady_clock::time_point::max();
  bool refused_ = false;
};

// Whether `sock` has a request to read within `timeout_sec`, checking
// every 10 ms that the server has not stopped (as httplib's keep-alive
// wait does).
bool NextRequestArrives(const std::atomic<socket_t>& server_sock, socket_t sock,
                        time_t timeout_sec) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_sec);
  while (server_sock != INVALID_SOCKET) {
    const int ready = Wait(sock, POLLIN, 0, 10000);
    if (ready < 0) return false;
    if (ready > 0) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
  }
  return false;
}

}  // namespace

bool BoundedServer::process_and_close_socket(socket_t sock) {
  // The body's limit, and room for a chunked body's framing (a browser's
  // forms never are chunked).
  const size_t max_request_bytes =
      payload_max_length_ > kMaxRequestBytes / 2
          ? kMaxRequestBytes
          : 2 * payload_max_length_ + kMaxHeadBytes;
  HeadBoundedStream stream(sock, read_timeout_sec_, read_timeout_usec_,
                           write_timeout_sec_, write_timeout_usec_,
                           max_request_bytes);
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.Buffered() &&
        !NextRequestArrives(svr_sock_, sock, keep_alive_timeout_sec_)) {
      break;
    }
    stream.StartRequest();
    bool closed = false;
    ok = process_request(stream, /*close_connection=*/left == 1, closed,
                         nullptr);
    if (!ok || closed || stream.refused()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace raa::web
