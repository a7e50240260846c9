// Load driver for the Alertmanager ingest endpoint of troposd.
//
// It keeps C keep-alive connections to 127.0.0.1:PORT and posts Alertmanager
// v4 webhook bodies to /api/v1/integrations/{key}/alertmanager. Every alert
// gets a new fingerprint and a summary that embeds a unique id
// ("bid-<prefix>-<n>"), so each one opens a new incident and its SMS can be
// matched at the Twilio stand-in (bench/twilio_sink.cpp).
//
//   closed loop (--rate 0): each connection posts its next request as soon
//                           as the previous response arrives
//   open loop (--rate A):   requests are due at fixed intervals so that A
//                           alerts/s are offered; a request that finds no
//                           idle connection waits in a queue, and its latency
//                           counts from its due time, not its send time
//
// Every response other than 202 fails the run (exit status 1). The run is
// bounded by --requests and by --max-seconds, whichever comes first.
//
// With --sink-port, the driver then fetches the arrival times recorded by
// the stand-in and reports, per alert, the delay from the 202 to the SMS
// request. Both programs read CLOCK_MONOTONIC (std::chrono::steady_clock on
// Linux), which is one clock for all processes of the machine.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

/// Time allowed for one request and its response before the run fails.
constexpr std::chrono::seconds request_timeout{10};

/// Time that requests still in flight get after the run stops issuing new
/// ones.
constexpr std::chrono::seconds drain_timeout{10};

struct options {
  uint16_t port = 0;
  std::string key;
  unsigned connections = 16;
  uint64_t requests = 1000;
  unsigned alerts_per_request = 1;
  /// Offered alerts per second, where 0 selects the closed loop.
  double rate = 0;
  /// Hard limit on the time spent issuing requests.
  double max_seconds = 120;
  /// Makes ids and fingerprints unique across runs against one data dir.
  std::string id_prefix;
  /// Port of bench/twilio_sink on 127.0.0.1, where 0 skips the SMS
  /// measurement.
  uint16_t sink_port = 0;
  /// Time to wait for the last SMS after the last 202.
  double sink_wait_seconds = 30;
  /// CSV file with one line per SMS. Empty writes none.
  std::string timeline_file;
  /// Name of the scenario in the Markdown row.
  std::string label = "run";
};

void print_usage() {
  std::cerr <<
    "usage: ingest_load --port PORT --key KEY [options]\n"
    "  --connections C         keep-alive connections (default 16)\n"
    "  --requests R            requests to send in total (default 1000)\n"
    "  --alerts-per-request N  alerts in each request, 1..1000 (default 1)\n"
    "  --rate A                offered alerts per second; 0 = closed loop\n"
    "                          (default 0)\n"
    "  --max-seconds S         stop issuing requests after S seconds\n"
    "                          (default 120)\n"
    "  --id-prefix P           letters and digits that make the alert ids\n"
    "                          unique (default: seconds since the epoch)\n"
    "  --sink-port PORT        fetch SMS arrival times from twilio_sink on\n"
    "                          this port and report 202-to-SMS delays\n"
    "  --sink-wait-seconds S   time to wait for missing SMS (default 30)\n"
    "  --timeline FILE         with --sink-port, write one CSV line per SMS:\n"
    "                          alert, due, 202 and SMS times in ms from the\n"
    "                          start\n"
    "  --label NAME            scenario name in the Markdown row\n"
    "The target is always 127.0.0.1.\n";
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), out);
  return err == std::errc{} && end == text.data() + text.size();
}

bool is_id_text(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z');
  });
}

// Parses the command line into `out`. Returns an error message, an empty
// one for --help, or nothing when the options are valid.
std::optional<std::string> parse_options(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h")
      return std::string{};
    if (i + 1 >= argc)
      return "missing value after " + std::string{name};
    std::string_view value = argv[++i];
    bool ok = true;
    if (name == "--port")
      ok = parse_number(value, out.port) && out.port != 0;
    else if (name == "--key")
      out.key = value;
    else if (name == "--connections")
      ok = parse_number(value, out.connections) && out.connections > 0
           && out.connections <= 1024;
    else if (name == "--requests")
      ok = parse_number(value, out.requests) && out.requests > 0;
    else if (name == "--alerts-per-request")
      ok = parse_number(value, out.alerts_per_request)
           && out.alerts_per_request > 0 && out.alerts_per_request <= 1000;
    else if (name == "--rate")
      ok = parse_number(value, out.rate) && out.rate >= 0;
    else if (name == "--max-seconds")
      ok = parse_number(value, out.max_seconds) && out.max_seconds > 0
           && out.max_seconds <= 3600;
    else if (name == "--id-prefix") {
      out.id_prefix = value;
      ok = is_id_text(value);
    } else if (name == "--sink-port")
      ok = parse_number(value, out.sink_port) && out.sink_port != 0;
    else if (name == "--sink-wait-seconds")
      ok = parse_number(value, out.sink_wait_seconds)
           && out.sink_wait_seconds >= 0 && out.sink_wait_seconds <= 600;
    else if (name == "--timeline")
      out.timeline_file = value;
    else if (name == "--label")
      out.label = value;
    else
      return "unknown option " + std::string{name};
    if (!ok)
      return "invalid value \"" + std::string{value} + "\" for "
             + std::string{name};
  }
  if (out.port == 0)
    return std::string{"--port is required"};
  if (out.key.empty())
    return std::string{"--key is required"};
  if (out.id_prefix.empty())
    out.id_prefix = std::to_string(std::time(nullptr));
  return std::nullopt;
}

std::string alert_id(const std::string& prefix, uint64_t number) {
  return "bid-" + prefix + "-" + std::to_string(number);
}

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string hex16(uint64_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = digits[value & 15];
    value >>= 4;
  }
  return out;
}

std::string utc_now_rfc3339() {
  auto now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

/// Builds the webhook bodies. Alert number k (0-based over the run) has the
/// id alert_id(prefix, k) and a fingerprint whose top 16 bits come from the
/// prefix and whose low 48 bits are k, so fingerprints never repeat within
/// a run.
class body_builder {
public:
  body_builder(std::string prefix, unsigned alerts_per_request)
    : prefix_(std::move(prefix)),
      alerts_per_request_(alerts_per_request),
      fingerprint_base_((fnv1a(prefix_) & 0xFFFF) << 48),
      starts_at_(utc_now_rfc3339()) {
  }

  std::string build(uint64_t request_index) const {
    std::string body;
    body.reserve(400 + 420 * alerts_per_request_);
    body += R"({"version":"4","groupKey":"{}:{alertname=\"IngestBench\"}",)"
            R"("truncatedAlerts":0,"status":"firing","receiver":"tropos",)"
            R"("groupLabels":{"alertname":"IngestBench"},)"
            R"("commonLabels":{"alertname":"IngestBench"},)"
            R"("commonAnnotations":{},"externalURL":"http://127.0.0.1:9093",)"
            R"("alerts":[)";
    for (unsigned j = 0; j < alerts_per_request_; ++j) {
      auto number = request_index * alerts_per_request_ + j;
      auto id = alert_id(prefix_, number);
      if (j > 0)
        body += ',';
      body += R"({"status":"firing","labels":{"alertname":"IngestBench",)"
              R"("severity":"critical","instance":"bench-host-)";
      body += std::to_string(number % 100);
      body += R"(","bench_id":")";
      body += id;
      body += R"("},"annotations":{"summary":"Ingest benchmark alert )";
      body += id;
      body += R"("},"startsAt":")";
      body += starts_at_;
      body += R"(","endsAt":"0001-01-01T00:00:00Z",)"
              R"("generatorURL":"http://127.0.0.1:9090/graph",)"
              R"("fingerprint":")";
      body += hex16(fingerprint_base_ | (number & 0xFFFFFFFFFFFFull));
      body += "\"}";
    }
    body += "]}";
    return body;
  }

private:
  std::string prefix_;
  unsigned alerts_per_request_;
  uint64_t fingerprint_base_;
  std::string starts_at_;
};

double to_ms(steady::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Nearest-rank percentiles of a sample, in milliseconds.
struct percentiles {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  size_t count = 0;
};

percentiles summarize(std::vector<double> sample) {
  percentiles out;
  out.count = sample.size();
  if (sample.empty())
    return out;
  std::sort(sample.begin(), sample.end());
  auto rank = [&](double q) {
    auto index = static_cast<size_t>(std::ceil(q * sample.size()));
    return sample[std::max<size_t>(index, 1) - 1];
  };
  out.p50 = rank(0.50);
  out.p99 = rank(0.99);
  out.max = sample.back();
  return out;
}

class driver;

/// One keep-alive connection that carries one request at a time.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(net::io_context& io, driver& owner) : stream_(io), owner_(owner) {
  }

  void start(const tcp::endpoint& endpoint);
  void send(uint64_t index, steady::time_point due);
  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

private:
  void on_connect(error_code err);
  void on_write(error_code err, size_t);
  void on_read(error_code err, size_t);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  driver& owner_;
  uint64_t index_ = 0;
  steady::time_point due_;
};

/// Issues the requests, collects latencies and decides when the run ends.
class driver {
public:
  driver(net::io_context& io, const options& opts)
    : io_(io),
      opts_(opts),
      bodies_(opts.id_prefix, opts.alerts_per_request),
      deadline_(io),
      tick_(io) {
    target_ = "/api/v1/integrations/" + opts.key + "/alertmanager";
    host_ = "127.0.0.1:" + std::to_string(opts.port);
    if (opts.rate > 0)
      interval_ = std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(opts.alerts_per_request / opts.rate));
    latency_ms_.reserve(opts.requests);
    if (opts.sink_port != 0) {
      accepted_at_.assign(opts.requests, steady::time_point{});
      due_at_.assign(opts.requests, steady::time_point{});
    }
  }

  void start() {
    started_ = steady::now();
    deadline_.expires_after(std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>(opts_.max_seconds)));
    deadline_.async_wait([this](error_code err) {
      if (!err)
        on_deadline();
    });
    tcp::endpoint endpoint{net::ip::make_address("127.0.0.1"), opts_.port};
    for (unsigned i = 0; i < opts_.connections; ++i) {
      auto conn = std::make_shared<connection>(io_, *this);
      connections_.push_back(conn);
      conn->start(endpoint);
    }
    if (open_loop())
      on_tick();
  }

  http::request<http::string_body> make_request(uint64_t index) const {
    http::request<http::string_body> req{http::verb::post, target_, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "tropos-ingest-load");
    req.keep_alive(true);
    req.body() = bodies_.build(index);
    req.prepare_payload();
    return req;
  }

  /// Gives `conn` its next request, or closes it, after it has connected or
  /// finished a request.
  void on_idle(const std::shared_ptr<connection>& conn) {
    if (stopping_) {
      conn->close();
      return;
    }
    if (open_loop()) {
      if (backlog_.empty()) {
        idle_.push_back(conn);
        return;
      }
      auto [index, due] = backlog_.front();
      backlog_.pop_front();
      issue(conn, index, due);
      return;
    }
    if (issued_ >= opts_.requests) {
      conn->close();
      return;
    }
    issue(conn, issued_++, steady::now());
  }

  void on_response(uint64_t index, steady::time_point due, unsigned status,
                   const std::string& body) {
    auto now = steady::now();
    --in_flight_;
    if (stopping_ && in_flight_ == 0)
      close_all();
    if (status != 202) {
      fail("request " + std::to_string(index) + " got HTTP "
           + std::to_string(status) + ": " + body.substr(0, 300));
      return;
    }
    ++completed_;
    last_response_ = now;
    latency_ms_.push_back(to_ms(now - due));
    if (!accepted_at_.empty()) {
      accepted_at_[index] = now;
      due_at_[index] = due;
    }
    if (completed_ == opts_.requests)
      stop();
  }

  /// Records a failed connect, write or read and stops the run, unless the
  /// run is already stopping and the error comes from closing the socket.
  /// `busy` is true when a request was in flight on the connection.
  void on_transport_error(std::string_view operation, error_code err,
                          bool busy) {
    if (busy)
      --in_flight_;
    if (stopping_) {
      if (in_flight_ == 0)
        close_all();
      if (err == net::error::operation_aborted
          || err == net::error::bad_descriptor)
        return;
    }
    fail(std::string{operation} + " failed: " + err.message());
  }

  bool ok() const {
    return first_error_.empty() && completed_ == opts_.requests;
  }

  uint64_t completed() const {
    return completed_;
  }

  uint64_t errors() const {
    return errors_;
  }

  const std::string& first_error() const {
    return first_error_;
  }

  const std::vector<steady::time_point>& accepted_at() const {
    return accepted_at_;
  }

  steady::time_point started_at() const {
    return started_;
  }

  const std::vector<steady::time_point>& due_at() const {
    return due_at_;
  }

  percentiles request_latency() const {
    return summarize(latency_ms_);
  }

  /// Seconds from the start to the last 202.
  double elapsed_seconds() const {
    auto end = completed_ > 0 ? last_response_ : finished_;
    return std::chrono::duration<double>(end - started_).count();
  }

private:
  bool open_loop() const {
    return opts_.rate > 0;
  }

  void issue(const std::shared_ptr<connection>& conn, uint64_t index,
             steady::time_point due) {
    ++in_flight_;
    conn->send(index, due);
  }

  // Releases every request that is due by now, then waits for the next one.
  void on_tick() {
    if (stopping_)
      return;
    auto now = steady::now();
    while (issued_ < opts_.requests) {
      auto due = started_ + interval_ * static_cast<int64_t>(issued_);
      if (due > now)
        break;
      auto index = issued_++;
      if (idle_.empty()) {
        backlog_.emplace_back(index, due);
        continue;
      }
      auto conn = idle_.back();
      idle_.pop_back();
      issue(conn, index, due);
    }
    if (issued_ >= opts_.requests)
      return;
    tick_.expires_at(started_ + interval_ * static_cast<int64_t>(issued_));
    tick_.async_wait([this](error_code err) {
      if (!err)
        on_tick();
    });
  }

  void on_deadline() {
    if (stopping_)
      return;
    std::cerr << "ingest_load: --max-seconds reached after " << completed_
              << " of " << opts_.requests << " requests\n";
    stop();
  }

  void fail(std::string message) {
    if (first_error_.empty())
      first_error_ = std::move(message);
    ++errors_;
    stop();
  }

  // Stops issuing requests, gives those in flight drain_timeout to finish
  // and then closes every connection.
  void stop() {
    if (stopping_)
      return;
    stopping_ = true;
    finished_ = steady::now();
    tick_.cancel();
    for (auto& conn : idle_)
      conn->close();
    idle_.clear();
    deadline_.expires_after(drain_timeout);
    deadline_.async_wait([this](error_code err) {
      if (err)
        return;
      for (auto& conn : connections_)
        conn->close();
    });
    if (in_flight_ == 0)
      close_all();
  }

  void close_all() {
    deadline_.cancel();
    for (auto& conn : connections_)
      conn->close();
  }

  net::io_context& io_;
  const options& opts_;
  body_builder bodies_;
  std::string target_;
  std::string host_;
  steady::duration interval_{};
  net::steady_timer deadline_;
  net::steady_timer tick_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::vector<std::shared_ptr<connection>> idle_;
  /// Open loop: requests that fell due while every connection was busy.
  std::deque<std::pair<uint64_t, steady::time_point>> backlog_;
  uint64_t issued_ = 0;
  uint64_t completed_ = 0;
  uint64_t in_flight_ = 0;
  uint64_t errors_ = 0;
  std::string first_error_;
  bool stopping_ = false;
  steady::time_point started_;
  steady::time_point finished_;
  steady::time_point last_response_;
  std::vector<double> latency_ms_;
  /// Time of each 202 by request index, filled only with --sink-port.
  std::vector<steady::time_point> accepted_at_;
  /// Due time of each accepted request by index, filled only with
  /// --sink-port.
  std::vector<steady::time_point> due_at_;
};

void connection::start(const tcp::endpoint& endpoint) {
  stream_.expires_after(request_timeout);
  stream_.async_connect(endpoint, beast::bind_front_handler(
                                    &connection::on_connect,
                                    shared_from_this()));
}

void connection::on_connect(error_code err) {
  if (err) {
    owner_.on_transport_error("connect", err, false);
    return;
  }
  stream_.socket().set_option(tcp::no_delay{true}, err);
  owner_.on_idle(shared_from_this());
}

void connection::send(uint64_t index, steady::time_point due) {
  index_ = index;
  due_ = due;
  request_ = owner_.make_request(index);
  stream_.expires_after(request_timeout);
  http::async_write(stream_, request_,
                    beast::bind_front_handler(&connection::on_write,
                                              shared_from_this()));
}

void connection::on_write(error_code err, size_t) {
  if (err) {
    owner_.on_transport_error("write", err, true);
    return;
  }
  response_ = {};
  http::async_read(stream_, buffer_, response_,
                   beast::bind_front_handler(&connection::on_read,
                                             shared_from_this()));
}

void connection::on_read(error_code err, size_t) {
  if (err) {
    owner_.on_transport_error("read", err, true);
    return;
  }
  owner_.on_response(index_, due_, response_.result_int(), response_.body());
  if (!response_.keep_alive()) {
    owner_.on_transport_error("keep-alive",
                              make_error_code(net::error::connection_reset),
                              false);
    return;
  }
  owner_.on_idle(shared_from_this());
}

/// Fetches "GET /arrivals?prefix=P" from the sink: one line per SMS,
/// "<id> <steady_clock nanoseconds>".
std::optional<std::string> fetch_arrivals(const options& opts) {
  try {
    net::io_context io;
    beast::tcp_stream stream{io};
    stream.expires_after(request_timeout);
    stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"),
                                 opts.sink_port});
    http::request<http::string_body> req{
      http::verb::get, "/arrivals?prefix=" + opts.id_prefix, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(opts.sink_port));
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(stream, buffer, parser);
    if (parser.get().result_int() != 200)
      return std::nullopt;
    return std::move(parser.get().body());
  } catch (const boost::system::system_error& err) {
    std::cerr << "ingest_load: fetching arrivals from the sink failed: "
              << err.what() << "\n";
    return std::nullopt;
  }
}

/// First arrival of each SMS by alert number.
std::unordered_map<uint64_t, int64_t> parse_arrivals(const std::string& text,
                                                     const std::string& prefix) {
  std::unordered_map<uint64_t, int64_t> out;
  auto head = "bid-" + prefix + "-";
  std::istringstream lines{text};
  std::string id;
  int64_t nanoseconds = 0;
  while (lines >> id >> nanoseconds) {
    uint64_t number = 0;
    if (!id.starts_with(head)
        || !parse_number(std::string_view{id}.substr(head.size()), number))
      continue;
    auto [slot, inserted] = out.emplace(number, nanoseconds);
    if (!inserted)
      slot->second = std::min(slot->second, nanoseconds);
  }
  return out;
}

struct sms_result {
  /// From the 202 to the SMS at the sink.
  percentiles after_accept;
  /// From the request's due time (its send time in the closed loop) to the
  /// SMS at the sink.
  percentiles after_post;
  uint64_t expected = 0;
  uint64_t received = 0;
};

// Waits until every accepted alert has reached the sink or the wait runs out,
// then computes the delay from each 202 to its SMS.
sms_result measure_sms(const options& opts, const driver& d) {
  sms_result out;
  out.expected = d.completed() * opts.alerts_per_request;
  std::unordered_map<uint64_t, int64_t> arrivals;
  auto give_up = steady::now()
                 + std::chrono::duration_cast<steady::duration>(
                   std::chrono::duration<double>(opts.sink_wait_seconds));
  while (true) {
    if (auto text = fetch_arrivals(opts))
      arrivals = parse_arrivals(*text, opts.id_prefix);
    if (arrivals.size() >= out.expected || steady::now() >= give_up)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
  }
  out.received = arrivals.size();

  std::vector<double> delays;
  std::vector<double> from_post;
  delays.reserve(arrivals.size());
  from_post.reserve(arrivals.size());
  const auto& accepted = d.accepted_at();
  const auto& due = d.due_at();
  std::ofstream timeline;
  if (!opts.timeline_file.empty()) {
    timeline.open(opts.timeline_file);
    if (!timeline)
      std::cerr << "ingest_load: cannot write " << opts.timeline_file << "\n";
    timeline << std::fixed << std::setprecision(3)
             << "alert,due_ms,accepted_ms,sms_ms\n";
  }
  for (const auto& [number, nanoseconds] : arrivals) {
    auto index = number / opts.alerts_per_request;
    if (index >= accepted.size() || accepted[index] == steady::time_point{})
      continue;
    steady::time_point arrived{std::chrono::nanoseconds{nanoseconds}};
    delays.push_back(to_ms(arrived - accepted[index]));
    from_post.push_back(to_ms(arrived - due[index]));
    if (timeline)
      timeline << number << ',' << to_ms(due[index] - d.started_at()) << ','
               << to_ms(accepted[index] - d.started_at()) << ','
               << to_ms(arrived - d.started_at()) << '\n';
  }
  out.after_accept = summarize(std::move(delays));
  out.after_post = summarize(std::move(from_post));
  return out;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

int run(const options& opts) {
  net::io_context io{1};
  driver d{io, opts};
  d.start();
  io.run();

  auto latency = d.request_latency();
  auto seconds = d.elapsed_seconds();
  auto alerts = d.completed() * opts.alerts_per_request;
  auto alerts_per_second = seconds > 0 ? alerts / seconds : 0.0;
  std::cout << "ingest_load: label=" << opts.label
            << " mode=" << (opts.rate > 0 ? "open" : "closed")
            << " connections=" << opts.connections
            << " alerts_per_request=" << opts.alerts_per_request
            << " rate=" << opts.rate << " id_prefix=" << opts.id_prefix << "\n"
            << "  requests accepted=" << d.completed() << " of "
            << opts.requests << ", alerts accepted=" << alerts << " in "
            << fixed(seconds, 3) << " s = " << fixed(alerts_per_second, 0)
            << " alerts/s\n"
            << "  request latency ms: p50=" << fixed(latency.p50, 3)
            << " p99=" << fixed(latency.p99, 3)
            << " max=" << fixed(latency.max, 3) << "\n";

  bool ok = d.ok();
  std::string sms_cells = "| – | – | – | – ";
  if (opts.sink_port != 0 && d.completed() > 0) {
    auto sms = measure_sms(opts, d);
    std::cout << "  sms received=" << sms.received << " of " << sms.expected
              << "; 202-to-SMS ms: p50=" << fixed(sms.after_accept.p50, 3)
              << " p99=" << fixed(sms.after_accept.p99, 3)
              << " max=" << fixed(sms.after_accept.max, 3) << "\n"
              << "  POST-to-SMS ms: p50=" << fixed(sms.after_post.p50, 3)
              << " p99=" << fixed(sms.after_post.p99, 3)
              << " max=" << fixed(sms.after_post.max, 3) << "\n";
    sms_cells = "| " + fixed(sms.after_accept.p50, 2) + " | "
                + fixed(sms.after_accept.p99, 2) + " | "
                + fixed(sms.after_accept.max, 2) + " | "
                + fixed(sms.after_post.p99, 2) + " ";
    if (sms.received < sms.expected) {
      std::cout << "  error: " << sms.expected - sms.received
                << " SMS did not reach the sink within "
                << opts.sink_wait_seconds << " s\n";
      ok = false;
    }
  }
  if (!d.first_error().empty())
    std::cout << "  error: " << d.first_error() << "\n";

  // One Markdown table row for bench/run_ingest.sh.
  std::cout << "row: | " << opts.label << " | " << opts.alerts_per_request
            << " | " << opts.connections << " | "
            << (opts.rate > 0 ? fixed(opts.rate, 0) + "/s open" : "closed")
            << " | " << alerts << " | " << fixed(alerts_per_second, 0) << " | "
            << fixed(latency.p50, 2) << " | " << fixed(latency.p99, 2) << " | "
            << fixed(latency.max, 2) << " " << sms_cells << "| "
            << d.errors() << (ok ? "" : " (failed)") << " |\n";
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto problem = parse_options(argc, argv, opts)) {
    if (!problem->empty())
      std::cerr << "ingest_load: " << *problem << "\n";
    print_usage();
    return problem->empty() ? 0 : 2;
  }
  return run(opts);
}
