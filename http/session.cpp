#include "http/session.hpp"

#include "domain/error.hpp"
#include "http/content_coding.hpp"
#include "http/json_error.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tropos::http::detail {

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using beast::http::field;
using beast::http::status;
using error_code = boost::system::error_code;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// Bytes read while waiting for the start of a request. A typical webhook
/// header fits, and the header read grows the buffer for a longer one.
constexpr std::size_t first_read_bytes = 4096;

/// Bytes read per call while discarding input before a close.
constexpr std::size_t drain_read_bytes = 16 * 1024;

/// Time a closing connection keeps reading and discarding input. Closing a
/// socket with unread input makes the kernel send a reset, which can destroy
/// the error response before the client reads it, so the server half-closes
/// and drains first. Bounded so a peer that keeps sending cannot hold the
/// connection.
constexpr std::chrono::seconds linger_timeout{2};

/// The step of the request cycle that a session is in.
enum class phase {
  handshake, // TLS handshake
  idle,      // waiting for the first byte of a request
  reading,   // reading a request header or body
  handling,  // waiting for the handler's response
  writing,   // writing a response
  closing,   // draining input or shutting TLS down before the close
  closed,
};

bool is_http_error(const error_code& error) {
  return error.category()
         == beast::http::make_error_code(beast::http::error::bad_method)
              .category();
}

/// Returns true when the Connection field of `message` has the token close.
bool requests_close(const response& message) {
  for (auto token : beast::http::token_list{message[field::connection]})
    if (beast::iequals(token, "close"))
      return true;
  return false;
}

/// Makes the body and framing fields of `message` fit its status and the
/// request method, because the serializer writes them as they are.
void frame_body(response& message, bool head_request) {
  auto code = message.result_int();
  if (code / 100 == 1 || code == 204) {
    // These responses have no body and no length.
    message.body().clear();
    message.erase(field::content_length);
    message.erase(field::transfer_encoding);
    return;
  }
  if (code == 304 || head_request) {
    // These keep the length of the body they would carry but send none.
    if (head_request && !message.has_content_length())
      message.content_length(message.body().size());
    message.erase(field::transfer_encoding);
    message.body().clear();
    return;
  }
  message.prepare_payload();
}

template <class Stream>
class session final : public session_base,
                      public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  session(tcp::socket&& socket, std::shared_ptr<shared_state> state,
          connection_slot slot, bool rejecting, std::string remote_address)
    : stream_{make_stream(std::move(socket), *state)},
      executor_{stream_.get_executor()},
      state_{std::move(state)},
      slot_{std::move(slot)},
      rejecting_{rejecting},
      remote_address_{std::move(remote_address)} {
  }

  ~session() override {
    std::lock_guard lock{state_->sessions_mutex};
    state_->sessions.erase(this);
  }

  void run() {
    {
      std::lock_guard lock{state_->sessions_mutex};
      state_->sessions.emplace(this, this->weak_from_this());
    }
    net::dispatch(executor_, beast::bind_front_handler(&session::on_run,
                                                       this->shared_from_this()));
  }

  void deliver(response message) override {
    std::lock_guard lock{state_->posting_mutex};
    if (state_->posting_closed)
      return;
    net::post(executor_, [self = this->shared_from_this(),
                          message = std::move(message)]() mutable {
      self->on_response(std::move(message));
    });
  }

  void close_if_idle() override {
    net::post(executor_, [self = this->shared_from_this()] {
      if (self->phase_ == phase::idle || self->phase_ == phase::handshake)
        self->close_now();
    });
  }

private:
  static Stream make_stream(tcp::socket&& socket, shared_state& state) {
    if constexpr (is_tls)
      return Stream{std::move(socket), *state.tls};
    else
      return Stream{std::move(socket)};
  }

  beast::tcp_stream& lowest() {
    return beast::get_lowest_layer(stream_);
  }

  const limits& config() const {
    return state_->config;
  }

  void on_run() {
    if constexpr (is_tls) {
      phase_ = phase::handshake;
      lowest().expires_after(config().read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              beast::bind_front_handler(
                                &session::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

  void on_handshake(error_code error) {
    if (error)
      return close_now();
    do_read();
  }

  // Waits for the first byte of the next request. The wait is bounded by
  // idle_timeout on a kept-alive connection and by read_timeout on a new one,
  // and the request itself gets read_timeout from its first byte on.
  void do_read() {
    if (state_->stopping)
      return do_close();

    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
      config().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(config().max_body_bytes);
    version_ = 11;
    keep_alive_ = false;
    head_request_ = false;

    // Bytes of a pipelined request may already be buffered.
    if (buffer_.size() > 0)
      return do_read_header();

    phase_ = phase::idle;
    lowest().expires_after(first_request_ ? config().read_timeout
                                          : config().idle_timeout);
    stream_.async_read_some(buffer_.prepare(first_read_bytes),
                            beast::bind_front_handler(&session::on_first_bytes,
                                                      this->shared_from_this()));
  }

  void on_first_bytes(error_code error, std::size_t bytes) {
    if (error)
      return close_now();
    buffer_.commit(bytes);
    do_read_header();
  }

  void do_read_header() {
    phase_ = phase::reading;
    lowest().expires_after(config().read_timeout);
    beast::http::async_read_header(stream_, buffer_, *parser_,
                                   beast::bind_front_handler(
                                     &session::on_read_header,
                                     this->shared_from_this()));
  }

  void on_read_header(error_code error, std::size_t) {
    if (error)
      return on_read_error(error);

    const auto& header = parser_->get();
    version_ = header.version();
    keep_alive_ = header.keep_alive();
    head_request_ = header.method() == beast::http::verb::head;
    if (rejecting_)
      return write_error(status::service_unavailable, "too_many_connections",
                         "the server is at its connection limit; retry later",
                         true);

    // Reject an unknown coding before reading a body that cannot be decoded.
    if (auto encodings = content_encoding_values(header.base()); !encodings.empty()) {
      auto codings = parse_content_encoding(encodings);
      if (!codings)
        return write_error(status::unsupported_media_type,
                           "unsupported_content_encoding",
                           detail_of(codings.error()), true);
    }

    if (parser_->is_done())
      return on_request_read();
    if (version_ >= 11 && beast::iequals(header[field::expect], "100-continue")) {
      interim_.emplace(status::continue_, version_);
      return beast::http::async_write(stream_, *interim_,
                                      beast::bind_front_handler(
                                        &session::on_continue_written,
                                        this->shared_from_this()));
    }
    do_read_body();
  }

  void on_continue_written(error_code error, std::size_t) {
    interim_.reset();
    if (error)
      return close_now();
    do_read_body();
  }

  // Reads the body under the deadline set for the header, so header and
  // body together must arrive within read_timeout.
  void do_read_body() {
    beast::http::async_read(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&session::on_read_body,
                                                      this->shared_from_this()));
  }

  void on_read_body(error_code error, std::size_t) {
    if (error)
      return on_read_error(error);
    on_request_read();
  }

  void on_read_error(error_code error) {
    if (error == beast::http::error::header_limit)
      return write_error(status::request_header_fields_too_large,
                         "header_too_large",
                         "the request header exceeds "
                           + std::to_string(config().max_header_bytes)
                           + " bytes",
                         true);
    if (error == beast::http::error::body_limit)
      return write_error(status::payload_too_large, "body_too_large",
                         "the request body exceeds "
                           + std::to_string(config().max_body_bytes) + " bytes",
                         true);

    // A peer that closes, resets or times out gets no response.
    bool peer_gone = !is_http_error(error)
                     || error == beast::http::error::end_of_stream
                     || error == beast::http::error::partial_message
                     || error == beast::http::error::short_read;
    if (peer_gone)
      return close_now();
    write_error(status::bad_request, "invalid_request",
                "the request is malformed: " + error.message(), true);
  }

  void on_request_read() {
    lowest().expires_never();
    phase_ = phase::handling;
    auto message = parser_->release();
    parser_.reset();

    if (auto error = decode_request_body(message,
                                         config().max_decoded_body_bytes))
      return on_decode_error(error);

    request_context context;
    std::string_view target{message.target().data(), message.target().size()};
    auto question_mark = target.find('?');
    context.target_path = std::string{target.substr(0, question_mark)};
    if (question_mark != std::string_view::npos)
      context.query = std::string{target.substr(question_mark + 1)};
    context.remote_address = remote_address_;
    context.message = std::move(message);
    call_handler(std::move(context));
  }

  void on_decode_error(const caf::error& error) {
    switch (code_of(error)) {
      case ec::too_large:
        return write_error(status::payload_too_large, "body_too_large",
                           detail_of(error), true);
      case ec::invalid_argument:
        return write_error(status::unsupported_media_type,
                           "unsupported_content_encoding", detail_of(error),
                           true);
      case ec::unavailable:
        return write_error(status::service_unavailable, "decoder_unavailable",
                           detail_of(error) + "; retry later", false);
      default:
        return write_error(status::bad_request, "invalid_content_encoding",
                           detail_of(error), false);
    }
  }

  void call_handler(request_context&& context) {
    std::shared_lock lock{state_->handler_mutex};
    if (state_->handler_detached) {
      lock.unlock();
      return write_error(status::service_unavailable, "shutting_down",
                         "the server is shutting down", true);
    }
    // The responder argument is destroyed when the call ends, even by an
    // exception, so a handler that throws without keeping a copy still
    // produces a 500.
    try {
      state_->on_request(std::move(context),
                         responder{this->shared_from_this()});
    } catch (const std::exception& error) {
      spdlog::error("http-handler-failed remote={} error={}", remote_address_,
                    error.what());
    } catch (...) {
      spdlog::error("http-handler-failed remote={} error=unknown exception",
                    remote_address_);
    }
  }

  void on_response(response message) {
    // The responder sends once, so this guards only against misuse of
    // deliver.
    if (phase_ != phase::handling)
      return;
    write_response(std::move(message), false);
  }

  void write_error(status code, std::string_view error_code_text,
                   std::string_view message, bool close) {
    write_response(json_error(code, error_code_text, message), close);
  }

  void write_response(response message, bool close) {
    phase_ = phase::writing;
    close_after_write_ = close || !keep_alive_ || state_->stopping
                         || requests_close(message);
    message.version(version_);
    message.keep_alive(!close_after_write_);
    frame_body(message, head_request_);
    response_.emplace(std::move(message));

    lowest().expires_after(config().read_timeout);
    beast::http::async_write(stream_, *response_,
                             beast::bind_front_handler(&session::on_write,
                                                       this->shared_from_this()));
  }

  void on_write(error_code error, std::size_t) {
    response_.reset();
    if (error)
      return close_now();
    if (close_after_write_)
      return do_close();
    first_request_ = false;
    do_read();
  }

  void do_close() {
    phase_ = phase::closing;
    lowest().expires_after(linger_timeout);
    if constexpr (is_tls) {
      stream_.async_shutdown(beast::bind_front_handler(&session::on_shutdown,
                                                       this->shared_from_this()));
    } else {
      error_code error;
      stream_.socket().shutdown(tcp::socket::shutdown_send, error);
      if (error)
        return close_now();
      buffer_.consume(buffer_.size());
      do_drain();
    }
  }

  void on_shutdown(error_code) {
    close_now();
  }

  void do_drain() {
    stream_.async_read_some(buffer_.prepare(drain_read_bytes),
                            beast::bind_front_handler(&session::on_drain,
                                                      this->shared_from_this()));
  }

  // Discards what arrived and reads on until the peer closes or the linger
  // time runs out.
  void on_drain(error_code error, std::size_t) {
    if (error)
      return close_now();
    do_drain();
  }

  void close_now() {
    phase_ = phase::closed;
    lowest().close();
  }

  Stream stream_;
  typename Stream::executor_type executor_;
  std::shared_ptr<shared_state> state_;
  connection_slot slot_;
  /// Set for a connection over the cap, which gets a 503 for its request.
  const bool rejecting_;
  const std::string remote_address_;

  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::optional<beast::http::response<beast::http::empty_body>> interim_;
  std::optional<response> response_;
  phase phase_ = phase::handshake;
  bool first_request_ = true;
  /// Taken from the current request's header.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool close_after_write_ = false;
};

/// Returns the peer address, with an IPv4-mapped IPv6 address from a
/// dual-stack listener shown as plain IPv4.
std::string remote_address_of(const tcp::socket& socket) {
  error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error)
    return {};
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6())
      .to_string();
  return address.to_string();
}

} // namespace

void start_session(tcp::socket socket, std::shared_ptr<shared_state> state,
                   connection_slot slot, bool rejecting) {
  auto remote_address = remote_address_of(socket);
  if (state->tls)
    std::make_shared<session<tls_stream>>(std::move(socket), std::move(state),
                                          std::move(slot), rejecting,
                                          std::move(remote_address))
      ->run();
  else
    std::make_shared<session<plain_stream>>(std::move(socket), std::move(state),
                                            std::move(slot), rejecting,
                                            std::move(remote_address))
      ->run();
}

} // namespace tropos::http::detail
