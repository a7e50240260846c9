#include "http/server.hpp"

#include "domain/error.hpp"
#include "http/listen_address.hpp"
#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <spdlog/spdlog.h>

#include <vector>

namespace tropos::http {

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

/// Pause before accepting again after accept failed, so a full descriptor
/// table (EMFILE) does not spin an asio thread.
constexpr std::chrono::milliseconds accept_retry_delay{100};

/// Accepts connections on its own strand and hands each to a session.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(net::io_context& io, std::shared_ptr<detail::shared_state> state)
    : io_{io},
      acceptor_{net::make_strand(io)},
      retry_timer_{acceptor_.get_executor()},
      state_{std::move(state)} {
  }

  /// Opens, binds and listens; `listen` names the address in errors.
  caf::error open(const tcp::endpoint& endpoint, const std::string& listen) {
    auto failure = [&](std::string_view step, const error_code& error) {
      return make_error(ec::io_error, "cannot " + std::string{step} + " on "
                                        + listen + ": " + error.message());
    };
    error_code error;
    acceptor_.open(endpoint.protocol(), error);
    if (error)
      return failure("open a socket", error);
    acceptor_.set_option(net::socket_base::reuse_address(true), error);
    if (error)
      return failure("set SO_REUSEADDR", error);
    acceptor_.bind(endpoint, error);
    if (error)
      return failure("bind", error);
    acceptor_.listen(net::socket_base::max_listen_connections, error);
    if (error)
      return failure("listen", error);
    port_ = acceptor_.local_endpoint(error).port();
    if (error)
      return failure("read the bound port", error);
    return {};
  }

  unsigned short port() const {
    return port_;
  }

  void start() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&listener::do_accept,
                                            shared_from_this()));
  }

  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

private:
  void do_accept() {
    if (!acceptor_.is_open())
      return;
    // Each connection gets its own strand.
    acceptor_.async_accept(net::make_strand(io_),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (error)
      return retry_accept(error);
    failure_streak_ = 0;
    admit(std::move(socket));
    do_accept();
  }

  void retry_accept(const error_code& error) {
    // Log the first failure of a streak and then every hundredth, because
    // a full descriptor table fails ten times a second.
    if (failure_streak_ % 100 == 0)
      spdlog::warn("http-accept-failed port={} error={} failures={}", port_,
                   error.message(), failure_streak_ + 1);
    ++failure_streak_;
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](error_code wait_error) {
      if (wait_error)
        return;
      self->do_accept();
    });
  }

  /// Starts a session for `socket`, or a rejecting session when the server
  /// is at `max_connections`, or closes `socket` when the rejecting sessions
  /// are at their cap too.
  void admit(tcp::socket socket) {
    auto& state = *state_;
    if (state.stopping)
      return;
    if (state.open_connections.fetch_add(1) < state.config.max_connections)
      return detail::start_session(std::move(socket), state_,
                                   detail::connection_slot{
                                     state.open_connections},
                                   false);
    state.open_connections.fetch_sub(1);
    if (state.rejected_connections.fetch_add(1)
        < state.config.max_rejected_connections)
      return detail::start_session(std::move(socket), state_,
                                   detail::connection_slot{
                                     state.rejected_connections},
                                   true);
    state.rejected_connections.fetch_sub(1);
    // Destroying the socket closes it without a response.
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::shared_ptr<detail::shared_state> state_;
  unsigned short port_ = 0;
  std::size_t failure_streak_ = 0;
};

} // namespace

// -- responder ----------------------------------------------------------------

struct responder::state {
  explicit state(std::shared_ptr<detail::response_sink> sink)
    : sink{std::move(sink)} {
  }

  state(const state&) = delete;
  state& operator=(const state&) = delete;

  ~state() {
    if (!sent.exchange(true))
      sink->deliver(json_error(boost::beast::http::status::internal_server_error,
                               "internal_error",
                               "the request handler finished without a "
                               "response"));
  }

  std::shared_ptr<detail::response_sink> sink;
  std::atomic<bool> sent{false};
};

responder::responder(std::shared_ptr<detail::response_sink> sink)
  : state_{std::make_shared<state>(std::move(sink))} {
}

void responder::operator()(response message) const {
  // A moved-from responder has no state and sends nothing.
  if (!state_ || state_->sent.exchange(true))
    return;
  state_->sink->deliver(std::move(message));
}

// -- server -------------------------------------------------------------------

struct server::impl {
  net::io_context& io;
  std::string listen;
  std::shared_ptr<detail::shared_state> state;
  std::shared_ptr<listener> acceptor;
};

server::server(net::io_context& io, std::string listen, limits config,
               handler on_request, std::shared_ptr<net::ssl::context> tls)
  : impl_{std::make_unique<impl>(impl{
    io, std::move(listen),
    std::make_shared<detail::shared_state>(config, std::move(on_request),
                                           std::move(tls)),
    nullptr})} {
}

server::~server() {
  stop();
  {
    std::unique_lock lock{impl_->state->handler_mutex};
    impl_->state->handler_detached = true;
  }
  std::lock_guard lock{impl_->state->posting_mutex};
  impl_->state->posting_closed = true;
}

caf::error server::start() {
  if (impl_->acceptor)
    return make_error(ec::invalid_argument,
                      "the server on " + impl_->listen + " was already started");
  if (impl_->state->stopping)
    return make_error(ec::unavailable, "the server on " + impl_->listen
                                         + " was stopped and cannot restart");
  auto endpoint = parse_listen_address(impl_->listen);
  if (!endpoint)
    return endpoint.error();

  auto acceptor = std::make_shared<listener>(impl_->io, impl_->state);
  if (auto error = acceptor->open(*endpoint, impl_->listen))
    return error;
  acceptor->start();
  impl_->acceptor = std::move(acceptor);
  spdlog::info("http-listening address={} port={} tls={}", impl_->listen,
               port(), impl_->state->tls != nullptr);
  return {};
}

unsigned short server::port() const {
  return impl_->acceptor ? impl_->acceptor->port() : 0;
}

void server::stop() {
  auto& state = *impl_->state;
  if (state.stopping.exchange(true))
    return;
  if (impl_->acceptor)
    impl_->acceptor->stop();

  // Collect the sessions first, so close_if_idle runs without the lock that
  // session destructors take.
  std::vector<std::shared_ptr<detail::session_base>> sessions;
  {
    std::lock_guard lock{state.sessions_mutex};
    for (auto& [key, session] : state.sessions)
      if (auto alive = session.lock())
        sessions.push_back(std::move(alive));
  }
  for (auto& session : sessions)
    session->close_if_idle();
}

std::size_t server::open_connections() const {
  return impl_->state->open_connections.load();
}

} // namespace tropos::http
