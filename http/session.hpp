// Connection handling shared by the listener and the sessions. Internal to
// http/: routes and the daemon use server.hpp.
#pragma once

#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

namespace tropos::http::detail {

/// The interface of a connection that `stop` uses to close it.
class session_base : public response_sink {
public:
  /// Closes the connection if it is waiting for a request or in its TLS
  /// handshake. Callable from any thread.
  virtual void close_if_idle() = 0;
};

/// State that the server, its listener and its sessions share. Sessions keep
/// it alive after the server is gone.
struct shared_state {
  shared_state(limits config, handler on_request,
               std::shared_ptr<boost::asio::ssl::context> tls)
    : config{config}, on_request{std::move(on_request)}, tls{std::move(tls)} {
  }

  const limits config;
  const handler on_request;
  /// The TLS context, or null for plain HTTP.
  const std::shared_ptr<boost::asio::ssl::context> tls;

  /// Set by `server::stop`: connections close after their current response.
  std::atomic<bool> stopping{false};
  /// Connections being served, at most `config.max_connections`.
  std::atomic<std::size_t> open_connections{0};
  /// Connections over the cap that are read only to get a 503.
  std::atomic<std::size_t> rejected_connections{0};

  /// Held shared around each handler call and exclusively by the server's
  /// destructor when it sets `handler_detached`, so no call runs after the
  /// destructor returns.
  std::shared_mutex handler_mutex;
  bool handler_detached = false;

  /// Held while a responder posts to a connection strand and by the server's
  /// destructor when it sets `posting_closed`, so no responder posts to an
  /// io_context that may be destroyed after the server.
  std::mutex posting_mutex;
  bool posting_closed = false;

  /// The live sessions, for `stop`. Keys are the session addresses.
  std::mutex sessions_mutex;
  std::unordered_map<const session_base*, std::weak_ptr<session_base>> sessions;
};

/// One unit of a connection counter, released on destruction.
class connection_slot {
public:
  /// Takes over one unit that the caller has already added to `counter`.
  explicit connection_slot(std::atomic<std::size_t>& counter)
    : counter_{&counter} {
  }

  connection_slot(connection_slot&& other) noexcept
    : counter_{std::exchange(other.counter_, nullptr)} {
  }

  connection_slot& operator=(connection_slot&&) = delete;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

  ~connection_slot() {
    if (counter_ != nullptr)
      counter_->fetch_sub(1);
  }

private:
  std::atomic<std::size_t>* counter_;
};

/// Starts serving an accepted connection: plain HTTP, or HTTPS when `state`
/// has a TLS context. A `rejecting` session reads the request header, then
/// sends a 503 and closes.
void start_session(boost::asio::ip::tcp::socket socket,
                   std::shared_ptr<shared_state> state, connection_slot slot,
                   bool rejecting);

} // namespace tropos::http::detail
