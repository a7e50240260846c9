// Outbound HTTP and SMTP for the channels. One background thread drives a
// libcurl multi handle, so actors submit a request, return at once and get
// the result through a callback that they post back to themselves:
//
//   actor --submit(request, done)--> queue --wakeup--> client thread
//                                                        | curl_multi_poll
//   actor <--post to mailbox-- done(response) <----------+ transfer done
#pragma once

#include "channels/email.hpp"
#include "channels/transport_policy.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <date/date.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tropos::channels {

/// An outbound HTTP request.
struct request {
  /// An HTTP method token such as "POST", "GET" or "PUT".
  std::string method = "POST";
  /// `https://...`, or `http://...` to a loopback host only.
  std::string url;
  /// Extra header fields; names and values must not contain CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// HTTP Basic credentials; an empty `basic_user` sends none.
  std::string basic_user;
  std::string basic_password;
  /// Limit for the whole transfer, connecting included.
  std::chrono::milliseconds timeout{10000};
};

/// The outcome of a request.
struct response {
  /// The HTTP status code, or 0 when no status line arrived.
  long status = 0;
  std::string body;
  /// The Retry-After header as a delay from the time of receipt.
  std::optional<std::chrono::seconds> retry_after;
  /// Set when the transfer failed. The code is `ec::invalid_argument` for a
  /// request that the transport policy or validation rejected, and
  /// `ec::timeout` when the time limit passed. It is `ec::too_large` when
  /// the body exceeded the size limit (`status` is then still set),
  /// `ec::unavailable` when the client shut down first and
  /// `ec::delivery_failed` for any other curl failure. The detail contains
  /// the operation and the curl error text.
  caf::error transport_error;
};

/// Parses a Retry-After value: delta seconds or an IMF-fixdate HTTP-date
/// ("Sun, 06 Nov 1994 08:49:37 GMT"), which becomes the delay from `now`
/// (zero for a past date). Returns nothing for any other value. Delays are
/// capped at 365 days.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      date::sys_seconds now);

/// Limits and defaults of an `http_client`.
struct http_client_options {
  /// Limit for establishing a connection, TLS handshake included.
  std::chrono::milliseconds connect_timeout{5000};
  /// Limit for a whole SMTP transaction.
  std::chrono::milliseconds mail_timeout{60000};
  /// Largest response body accepted; a larger one fails the transfer.
  std::size_t max_response_bytes = 1024 * 1024;
  /// How long the destructor lets running transfers finish before it
  /// aborts them.
  std::chrono::milliseconds shutdown_grace{2000};
  std::string user_agent = "tropos";
};

/// Executes HTTP requests and SMTP transactions concurrently on one
/// background thread. Redirects are never followed.
class http_client {
public:
  /// Starts the client thread. Fails with `ec::unavailable` when libcurl
  /// cannot be initialized or the thread cannot start.
  static caf::expected<std::unique_ptr<http_client>>
  make(http_client_options options = {});

  /// Stops taking requests, lets running transfers finish for up to
  /// `shutdown_grace`, aborts the rest and joins the thread. Every callback
  /// runs exactly once: with its result, or with `ec::unavailable`.
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Queues `req` and returns at once; thread-safe. `done` runs once on the
  /// client thread, also for a request rejected by the transport policy.
  /// Only once the destructor has begun does `done` run on the calling
  /// thread, with `ec::unavailable`. `done` must not throw and should only
  /// hand the response over (for example, send it to an actor).
  void submit(request req, std::function<void(response)> done);

  /// Sends `mail` to its one recipient and returns at once; thread-safe.
  /// `done` runs as for `submit` and receives an empty error on success.
  /// Otherwise it receives `ec::invalid_argument` for an invalid request or
  /// `ec::delivery_rejected` for a permanent SMTP failure (5xx reply, login
  /// denied, STARTTLS not offered). A failure that may pass on retry gives
  /// `ec::delivery_failed`, and shutdown gives `ec::unavailable`.
  void submit_mail(mail_request mail, std::function<void(caf::error)> done);

private:
  struct impl;

  explicit http_client(std::unique_ptr<impl> state);

  std::unique_ptr<impl> impl_;
};

} // namespace tropos::channels
