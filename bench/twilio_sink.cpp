// Stand-in for Twilio's Messages endpoint, for benchmarks on 127.0.0.1.
//
// POST /2010-04-01/Accounts/{sid}/Messages.json gets a 201 with the body
// {"sid": "SM" + 32 hex digits, "status": "queued", ...}. The sink records
// the arrival time of each such request under the benchmark id found in its
// Body ("bid-<prefix>-<n>", as bench/ingest_load writes into each summary).
// GET /arrivals[?prefix=P] lists the records, one "<id> <nanoseconds>" line
// each, where the time is CLOCK_MONOTONIC (std::chrono::steady_clock on
// Linux) at the moment the whole request had been read.
// GET /stats returns "messages=<count> without_id=<count>".
//
// It checks neither the Basic credentials nor the request against Twilio's
// API spec, because the e2e tests do that with Prism. It serves on one thread and
// exits by itself after --lifetime-seconds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

/// Time a connection may stay idle between requests.
constexpr std::chrono::seconds idle_timeout{120};

struct arrival {
  std::string id;
  int64_t nanoseconds;
};

struct sink_state {
  std::vector<arrival> arrivals;
  uint64_t messages = 0;
  uint64_t without_id = 0;
  std::mt19937_64 random{std::random_device{}()};
};

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Decodes one application/x-www-form-urlencoded value.
std::string form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0
               && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16
                               + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Returns the decoded value of field `name` in a form body, or "" when the
// field is missing.
std::string form_field(std::string_view body, std::string_view name) {
  size_t pos = 0;
  while (pos <= body.size()) {
    auto end = body.find('&', pos);
    if (end == std::string_view::npos)
      end = body.size();
    auto pair = body.substr(pos, end - pos);
    auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name)
      return form_decode(pair.substr(equals + 1));
    pos = end + 1;
  }
  return {};
}

bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
         || (c >= 'A' && c <= 'Z') || c == '-';
}

// Finds "bid-..." in an SMS body.
std::string_view find_bench_id(std::string_view text) {
  auto start = text.find("bid-");
  if (start == std::string_view::npos)
    return {};
  auto end = start;
  while (end < text.size() && is_id_char(text[end]))
    ++end;
  return text.substr(start, end - start);
}

std::string json_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string message_sid(std::mt19937_64& random) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "SM";
  for (int half = 0; half < 2; ++half) {
    auto value = random();
    for (int i = 0; i < 16; ++i) {
      out += digits[value & 15];
      value >>= 4;
    }
  }
  return out;
}

bool is_messages_path(std::string_view target) {
  constexpr std::string_view head = "/2010-04-01/Accounts/";
  constexpr std::string_view tail = "/Messages.json";
  return target.starts_with(head) && target.ends_with(tail)
         && target.size() > head.size() + tail.size();
}

using response = http::response<http::string_body>;

response make_response(http::status status, std::string_view type,
                       std::string body, unsigned version, bool keep_alive) {
  response res{status, version};
  res.set(http::field::content_type, std::string{type});
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response handle(sink_state& state, const http::request<http::string_body>& req,
                steady::time_point arrived) {
  std::string_view target{req.target().data(), req.target().size()};
  auto version = req.version();
  auto keep_alive = req.keep_alive();

  if (req.method() == http::verb::post && is_messages_path(target)) {
    ++state.messages;
    auto body = form_field(req.body(), "Body");
    auto id = find_bench_id(body);
    if (id.empty())
      ++state.without_id;
    else
      state.arrivals.push_back(
        {std::string{id},
         std::chrono::duration_cast<std::chrono::nanoseconds>(
           arrived.time_since_epoch())
           .count()});
    auto json = R"({"sid":")" + message_sid(state.random)
                + R"(","status":"queued","to":")"
                + json_escape(form_field(req.body(), "To")) + R"(","from":")"
                + json_escape(form_field(req.body(), "From")) + R"(","body":")"
                + json_escape(body) + R"("})";
    return make_response(http::status::created, "application/json",
                         std::move(json), version, keep_alive);
  }

  if (req.method() == http::verb::get && target.starts_with("/arrivals")) {
    std::string prefix;
    if (auto q = target.find("?prefix="); q != std::string_view::npos)
      prefix = "bid-" + std::string{target.substr(q + 8)} + "-";
    std::string text;
    text.reserve(state.arrivals.size() * 32);
    for (const auto& a : state.arrivals)
      if (prefix.empty() || a.id.starts_with(prefix))
        text += a.id + " " + std::to_string(a.nanoseconds) + "\n";
    return make_response(http::status::ok, "text/plain", std::move(text),
                         version, keep_alive);
  }

  if (req.method() == http::verb::get && target == "/stats")
    return make_response(http::status::ok, "text/plain",
                         "messages=" + std::to_string(state.messages)
                           + " without_id=" + std::to_string(state.without_id)
                           + "\n",
                         version, keep_alive);

  return make_response(http::status::not_found, "application/json",
                       R"({"code":20404,"message":"not found","status":404})",
                       version, keep_alive);
}

/// One client connection, which serves its requests one after another.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, sink_state& state)
    : stream_(std::move(socket)), state_(state) {
  }

  void start() {
    do_read();
  }

private:
  void do_read() {
    request_ = {};
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, request_,
                     beast::bind_front_handler(&session::on_read,
                                               shared_from_this()));
  }

  void on_read(error_code err, size_t) {
    if (err)
      return;
    response_ = handle(state_, request_, steady::now());
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&session::on_write,
                                                shared_from_this()));
  }

  void on_write(error_code err, size_t) {
    if (err)
      return;
    if (!response_.keep_alive()) {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    do_read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  response response_;
  sink_state& state_;
};

class listener {
public:
  listener(net::io_context& io, tcp::endpoint endpoint, sink_state& state)
    : acceptor_(io, endpoint), state_(state) {
  }

  unsigned short port() const {
    return acceptor_.local_endpoint().port();
  }

  void do_accept() {
    acceptor_.async_accept([this](error_code err, tcp::socket socket) {
      on_accept(err, std::move(socket));
    });
  }

  void close() {
    error_code ignored;
    acceptor_.close(ignored);
  }

private:
  void on_accept(error_code err, tcp::socket socket) {
    if (err) {
      if (err == net::error::operation_aborted)
        return;
      std::cerr << "twilio_sink: accept failed: " << err.message() << "\n";
      do_accept();
      return;
    }
    socket.set_option(tcp::no_delay{true}, err);
    std::make_shared<session>(std::move(socket), state_)->start();
    do_accept();
  }

  tcp::acceptor acceptor_;
  sink_state& state_;
};

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), out);
  return err == std::errc{} && end == text.data() + text.size();
}

} // namespace

int main(int argc, char** argv) {
  uint16_t port = 0;
  unsigned lifetime_seconds = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view name = argv[i];
    std::string_view value = argv[i + 1];
    bool ok = name == "--port" ? parse_number(value, port)
              : name == "--lifetime-seconds"
                ? parse_number(value, lifetime_seconds) && lifetime_seconds > 0
                : false;
    if (!ok) {
      std::cerr << "usage: twilio_sink [--port PORT] [--lifetime-seconds S]\n"
                   "  --port              port on 127.0.0.1; 0 (the default) "
                   "lets the kernel pick one\n"
                   "  --lifetime-seconds  exit after S seconds (default 600)\n";
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::cerr << "twilio_sink: missing value after " << argv[argc - 1] << "\n";
    return 2;
  }

  net::io_context io{1};
  sink_state state;
  listener server{io, {net::ip::make_address("127.0.0.1"), port}, state};
  server.do_accept();
  // The port line is what bench/run_ingest.sh waits for.
  std::cout << "twilio_sink: listening port=" << server.port() << std::endl;

  net::steady_timer lifetime{io, std::chrono::seconds{lifetime_seconds}};
  net::signal_set signals{io, SIGTERM, SIGINT};
  auto stop = [&] {
    std::cout << "twilio_sink: stopping messages=" << state.messages
              << " without_id=" << state.without_id << std::endl;
    io.stop();
  };
  lifetime.async_wait([&](error_code err) {
    if (!err)
      stop();
  });
  signals.async_wait([&](error_code err, int) {
    if (!err)
      stop();
  });
  io.run();
  return 0;
}
