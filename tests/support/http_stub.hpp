// A scriptable HTTP/1.1 server on 127.0.0.1 for what vendor mocks cannot
// do: given status sequences (429 then 201), Retry-After headers, stalls
// and oversized bodies. It records every request it receives.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tropos::test {

/// One scripted response.
struct scripted_response {
  scripted_response() = default;

  scripted_response(int status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers
                    = {},
                    std::chrono::milliseconds delay = {})
    : status(status),
      body(std::move(body)),
      headers(std::move(headers)),
      delay(delay) {
  }

  int status = 200;
  std::string body;
  /// Extra header fields; Content-Length and Connection are always sent.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Time to wait before responding, to test client timeouts.
  std::chrono::milliseconds delay{0};
};

/// One request as the stub received it.
struct recorded_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::steady_clock::time_point received;

  /// Returns the value of the first header named `name` (any case), or an
  /// empty string.
  std::string header(const std::string& name) const {
    for (const auto& [key, value] : headers)
      if (::strcasecmp(key.c_str(), name.c_str()) == 0)
        return value;
    return {};
  }
};

/// Serves one connection at a time on its own thread and closes each
/// connection after one response. The n-th request gets `script[n]`; requests
/// past the end of the script get its last entry.
class http_stub {
public:
  explicit http_stub(std::vector<scripted_response> script)
    : script_(std::move(script)) {
    if (script_.empty())
      throw std::invalid_argument{"http_stub needs at least one response"};

    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0)
      throw std::system_error{errno, std::generic_category(), "socket"};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bool listening = ::bind(listener_, reinterpret_cast<sockaddr*>(&address),
                            sizeof(address)) == 0
                     && ::listen(listener_, 16) == 0
                     && ::getsockname(listener_,
                                      reinterpret_cast<sockaddr*>(&address),
                                      &length) == 0;
    if (!listening) {
      int saved = errno;
      ::close(listener_);
      throw std::system_error{saved, std::generic_category(),
                              "listening on 127.0.0.1:0"};
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread{[this] { serve(); }};
  }

  ~http_stub() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }

  http_stub(const http_stub&) = delete;
  http_stub& operator=(const http_stub&) = delete;

  uint16_t port() const noexcept {
    return port_;
  }

  /// "http://127.0.0.1:PORT".
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

  /// Returns the requests received so far, oldest first.
  std::vector<recorded_request> requests() const {
    std::lock_guard guard{mutex_};
    return requests_;
  }

private:
  // Waits up to 100 ms for `fd` to become readable.
  static bool readable(int fd) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 100) > 0;
  }

  void serve() {
    while (!stopping_) {
      if (!readable(listener_))
        continue;
      int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0)
        continue;
      respond(connection);
      ::close(connection);
    }
  }

  // Reads one request, records it and sends the scripted response.
  void respond(int connection) {
    std::string data;
    auto header_end = std::string::npos;
    std::size_t content_length = 0;
    char buffer[4096];
    for (;;) {
      if (header_end != std::string::npos
          && data.size() >= header_end + 4 + content_length)
        break;
      if (stopping_)
        return;
      if (!readable(connection))
        continue;
      auto got = ::recv(connection, buffer, sizeof(buffer), 0);
      if (got <= 0)
        return;
      data.append(buffer, static_cast<std::size_t>(got));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos)
          content_length = parse(data.substr(0, header_end));
      }
    }

    recorded_request request = pending_;
    request.body = data.substr(header_end + 4, content_length);
    request.received = std::chrono::steady_clock::now();
    scripted_response reply;
    {
      std::lock_guard guard{mutex_};
      requests_.push_back(request);
      reply = script_[std::min(requests_.size(), script_.size()) - 1];
    }

    // Sleep in slices so the destructor need not wait out a long stall.
    auto until = std::chrono::steady_clock::now() + reply.delay;
    while (!stopping_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    if (stopping_)
      return;

    std::string out = "HTTP/1.1 " + std::to_string(reply.status)
                      + " Scripted\r\n";
    bool has_type = false;
    for (const auto& [name, value] : reply.headers) {
      out += name + ": " + value + "\r\n";
      has_type = has_type || ::strcasecmp(name.c_str(), "Content-Type") == 0;
    }
    if (!has_type)
      out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += reply.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      auto wrote = ::send(connection, out.data() + sent, out.size() - sent,
                          MSG_NOSIGNAL);
      if (wrote <= 0)
        return;
      sent += static_cast<std::size_t>(wrote);
    }
  }

  // Parses the request line and headers into `pending_` and returns the
  // Content-Length.
  std::size_t parse(const std::string& head) {
    pending_ = recorded_request{};
    std::size_t content_length = 0;
    std::size_t pos = 0;
    bool first = true;
    while (pos <= head.size()) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos)
        end = head.size();
      auto line = head.substr(pos, end - pos);
      pos = end + 2;
      if (first) {
        first = false;
        auto space = line.find(' ');
        auto second = line.find(' ', space + 1);
        pending_.method = line.substr(0, space);
        pending_.target = line.substr(space + 1, second - space - 1);
        continue;
      }
      auto colon = line.find(':');
      if (colon == std::string::npos)
        continue;
      auto name = line.substr(0, colon);
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
      if (::strcasecmp(name.c_str(), "Content-Length") == 0)
        content_length = std::stoul(value);
      pending_.headers.emplace_back(std::move(name), std::move(value));
    }
    return content_length;
  }

  std::vector<scripted_response> script_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  recorded_request pending_;
  mutable std::mutex mutex_;
  std::vector<recorded_request> requests_;
};

} // namespace tropos::test
