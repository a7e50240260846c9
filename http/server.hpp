// The HTTP/1.1 server core for webhooks and the REST API.
//
// The server does not make asio threads wait for the application. The
// handler gets the request and a responder and returns at once. The response
// may come later from any thread, and the responder posts it onto the
// connection's strand.
//
//   connection strand                          any thread (an actor)
//   read request ──▶ handler(context, responder) ─ ─ ▶ responder(response)
//        ▲                                                   │ post
//        └──── read next request ◀── write response ◀────────┘
//
// A connection serves one request at a time: it reads the next request only
// after the response to the current one is written, so pipelined requests
// wait unread in the socket.
#pragma once

#include "http/json_error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <caf/error.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace tropos::http {

/// A request whose body is held in memory.
using request = boost::beast::http::request<boost::beast::http::string_body>;

/// Limits that protect the server from slow, large and numerous requests.
struct limits {
  /// Maximum request body as received, before Content-Encoding decoding. A
  /// larger body gets a 413 and the connection is closed.
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  /// Maximum size of the request line and header fields together. A larger
  /// header gets a 431 and the connection is closed.
  std::size_t max_header_bytes = 16 * 1024;
  /// Time allowed for a whole request, header and body, from its first byte.
  /// The same limit applies to the TLS handshake, to the first byte on a new
  /// connection and to writing each response. A connection that misses it
  /// is closed without a response.
  std::chrono::seconds read_timeout{30};
  /// Time a kept-alive connection may wait for the first byte of its next
  /// request before it is closed.
  std::chrono::seconds idle_timeout{60};
  /// Maximum connections served at once.
  std::size_t max_connections = 4096;
  /// Maximum body after Content-Encoding decoding; a larger one gets a 413
  /// and the connection is closed.
  std::size_t max_decoded_body_bytes = 10 * 1024 * 1024;
  /// Maximum connections beyond `max_connections` whose request header is
  /// still read so they get a 503. Connections beyond both limits are closed
  /// at once without a response.
  std::size_t max_rejected_connections = 64;
};

/// A request as handed to the handler.
struct request_context {
  /// The request with its body already decoded: Content-Encoding is removed
  /// and Content-Length is the decoded size.
  request message;
  /// The peer's IP address without the port, such as `127.0.0.1` or `::1`.
  std::string remote_address;
  /// The request target up to the first `?`, not percent-decoded.
  std::string target_path;
  /// The request target after the first `?`, not percent-decoded; empty
  /// when there is none.
  std::string query;
};

namespace detail {

/// The receiving end of a responder. A connection implements it by posting
/// the response onto its strand.
class response_sink {
public:
  virtual ~response_sink() = default;

  /// Queues `message` as the response to the pending request. A responder
  /// calls it at most once per request, from any thread.
  virtual void deliver(response message) = 0;
};

} // namespace detail

/// Sends the response to one request, from any thread. Copies share one
/// state: the first call sends, later calls do nothing, and when the last
/// copy is destroyed without a call the client gets a 500, so no connection
/// waits forever. Copying and calling are thread-safe.
class responder {
public:
  /// Creates a responder that delivers to `sink`. The server creates these;
  /// handlers only copy and call them.
  explicit responder(std::shared_ptr<detail::response_sink> sink);

  /// Sends `message` unless a response was already sent. The server sets the
  /// HTTP version and Connection field, and Content-Length from the body.
  /// For a HEAD request it keeps a Content-Length the handler set and leaves
  /// out the body.
  void operator()(response message) const;

private:
  struct state;
  std::shared_ptr<state> state_;
};

/// Handles one request on an asio thread and returns at once; the response
/// goes out later through the responder. Every method, including HEAD and
/// methods Beast does not know, reaches the handler. An exception that
/// escapes it is logged and the client gets a 500.
using handler = std::function<void(request_context&&, responder)>;

/// An HTTP/1.1 listener with keep-alive, optionally over TLS.
///
/// The server itself sends a JSON error (see `json_error`) for a request
/// that breaks a limit:
/// - 431 for a header over `max_header_bytes`;
/// - 413 for a body over `max_body_bytes` or `max_decoded_body_bytes`;
/// - 415 for a Content-Encoding other than identity, gzip or deflate;
/// - 400 for a malformed request or a corrupt compressed body;
/// - 503 for a connection over `max_connections`.
class server {
public:
  /// Prepares a server on `io` for `listen` (`127.0.0.1:8080`, `[::1]:8080`,
  /// `0.0.0.0:8080`; port 0 picks a free port). With a `tls` context it
  /// serves HTTPS, otherwise plain HTTP. Nothing is bound until `start`.
  server(boost::asio::io_context& io, std::string listen, limits config,
         handler on_request,
         std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  /// Stops the server. Once the destructor returns, the handler is not
  /// called again and responders that are still held drop their responses,
  /// so `io` may be destroyed next.
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds the listen address and starts accepting on `io`. Fails with
  /// `ec::config_error` for an invalid address or `ec::io_error` naming the
  /// address when it cannot be bound.
  caf::error start();

  /// Returns the bound port, or 0 before a successful `start`.
  unsigned short port() const;

  /// Stops accepting and closes idle connections. Requests already being
  /// read or handled finish and get their response, and then their
  /// connections close. Callable from any thread; a stopped server cannot be
  /// started again.
  void stop();

  /// Returns the number of connections being served, not counting rejected
  /// ones.
  std::size_t open_connections() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tropos::http
