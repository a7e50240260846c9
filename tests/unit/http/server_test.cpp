#include "http/server.hpp"

#include "domain/error.hpp"
#include "test_support.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

namespace tropos::http {
namespace {

using namespace std::chrono_literals;
using boost::beast::http::field;
using boost::beast::http::status;
using boost::beast::http::verb;
using test::make_request;
using test::running_server;
using test::test_client;

/// The Alertmanager webhook body of one firing alert.
const std::string alert_body
  = R"({"version":"4","groupKey":"{}:{alertname=\"Probe\"}","truncatedAlerts":0,)"
    R"("status":"firing","receiver":"oncall","groupLabels":{"alertname":"Probe"},)"
    R"("commonLabels":{"alertname":"Probe"},"commonAnnotations":{"summary":"probe failed"},)"
    R"("externalURL":"http://am.example.test:9093","alerts":[{"status":"firing",)"
    R"("labels":{"alertname":"Probe","instance":"edge-1"},"annotations":)"
    R"({"summary":"probe failed"},"startsAt":"2025-04-10T08:00:00Z",)"
    R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"0f1e2d3c4b5a6978"})"
    R"(]})";

response text_response(std::string body) {
  response message{status::ok, 11};
  message.set(field::content_type, "text/plain");
  message.body() = std::move(body);
  return message;
}

/// Creates a handler that replies to every request with 200 and the request
/// body.
handler echo_handler(std::atomic<int>* calls = nullptr) {
  return [calls](request_context&& context, responder respond) {
    if (calls != nullptr)
      ++*calls;
    respond(text_response(context.message.body()));
  };
}

/// Returns error.code of a JSON error body, or "" for any other body.
std::string error_code_of(const response& message) {
  auto body = nlohmann::json::parse(message.body(), nullptr, false);
  if (body.is_discarded() || !body.contains("error"))
    return "";
  return body["error"].value("code", "");
}

TEST(HttpServer, AnswersFromAnotherThreadAfterDelay) {
  // One asio thread: the fast request can only be served while the slow one
  // is pending if the handler returned at once.
  std::mutex mutex;
  std::vector<std::jthread> repliers;
  std::thread::id handler_thread;
  std::thread::id replier_thread;
  std::atomic<bool> slow_answered{false};
  running_server server{
    limits{},
    [&](request_context&& context, responder respond) {
      if (context.target_path == "/fast")
        return respond(text_response("fast"));
      std::lock_guard lock{mutex};
      handler_thread = std::this_thread::get_id();
      repliers.emplace_back([&, respond] {
        std::this_thread::sleep_for(500ms);
        {
          std::lock_guard replier_lock{mutex};
          replier_thread = std::this_thread::get_id();
        }
        slow_answered = true;
        respond(text_response("slow"));
      });
    },
    1};

  test_client slow;
  ASSERT_FALSE(slow.connect(server.port()));
  ASSERT_FALSE(slow.send(make_request(verb::post, "/slow", "x")));
  ASSERT_TRUE(test::wait_until([&] {
    std::lock_guard lock{mutex};
    return !repliers.empty();
  }));

  test_client fast;
  ASSERT_FALSE(fast.connect(server.port()));
  ASSERT_FALSE(fast.send(make_request(verb::get, "/fast")));
  response fast_response;
  ASSERT_FALSE(fast.read(fast_response));
  EXPECT_EQ(fast_response.body(), "fast");
  EXPECT_FALSE(slow_answered) << "the fast request waited for the slow one";

  response slow_response;
  ASSERT_FALSE(slow.read(slow_response));
  EXPECT_EQ(slow_response.result(), status::ok);
  EXPECT_EQ(slow_response.body(), "slow");
  for (auto& thread : repliers)
    thread.join();
  EXPECT_NE(handler_thread, replier_thread);
  EXPECT_NE(replier_thread, std::thread::id{});
}

TEST(HttpServer, KeepsConnectionAliveForTwoRequests) {
  std::atomic<int> calls{0};
  std::string remote_address;
  running_server server{limits{}, [&](request_context&& context, responder respond) {
                          remote_address = context.remote_address;
                          respond(text_response("reply " + std::to_string(++calls)));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  for (int i = 1; i <= 2; ++i) {
    ASSERT_FALSE(client.send(make_request(verb::get, "/ping")));
    response reply;
    ASSERT_FALSE(client.read(reply)) << "request " << i;
    EXPECT_EQ(reply.body(), "reply " + std::to_string(i));
    EXPECT_TRUE(reply.keep_alive());
  }
  EXPECT_EQ(server.get().open_connections(), 1u);
  EXPECT_EQ(remote_address, "127.0.0.1");
}

TEST(HttpServer, RejectsElevenMebibyteBodyWith413) {
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto message = make_request(verb::post, "/api/v1/integrations/key/alertmanager",
                              std::string(11 * 1024 * 1024, 'a'));
  message.set(field::content_type, "application/json");
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::payload_too_large);
  EXPECT_EQ(reply[field::content_type], "application/json");
  EXPECT_EQ(error_code_of(reply), "body_too_large");
  EXPECT_FALSE(reply.keep_alive());
  std::string rest;
  EXPECT_EQ(client.read_until_closed(rest), boost::asio::error::eof);
  EXPECT_EQ(rest, "");
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, RejectsTwentyKibHeaderWith431) {
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto message = make_request(verb::get, "/healthz");
  message.set("X-Filler", std::string(20 * 1024, 'h'));
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::request_header_fields_too_large);
  EXPECT_EQ(error_code_of(reply), "header_too_large");
  std::string rest;
  EXPECT_EQ(client.read_until_closed(rest), boost::asio::error::eof);
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, DecodesGzipBody) {
  std::string seen_encoding = "unset";
  std::string seen_length;
  std::string seen_type;
  running_server server{limits{}, [&](request_context&& context, responder respond) {
                          seen_encoding = std::string{context.message[field::content_encoding]};
                          seen_length = std::string{context.message[field::content_length]};
                          seen_type = std::string{context.message[field::content_type]};
                          respond(text_response(context.message.body()));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto message = make_request(verb::post, "/api/v1/integrations/key/alertmanager",
                              test::compress(alert_body, 16 + 15));
  message.set(field::content_encoding, "gzip");
  message.set(field::content_type, "application/json");
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::ok);
  EXPECT_EQ(reply.body(), alert_body);
  EXPECT_EQ(seen_encoding, "");
  EXPECT_EQ(seen_length, std::to_string(alert_body.size()));
  EXPECT_EQ(seen_type, "application/json");
}

TEST(HttpServer, RejectsGzipBombWith413WithinMemoryBound) {
  // 200 MiB of spaces compress to about 200 KB, well under the body limit.
  auto bomb = test::gzip_repeated(' ', 200 * 1024 * 1024);
  ASSERT_LT(bomb.size(), 1024u * 1024u);
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  // Sample the resident set while the server inflates, to catch the peak.
  auto baseline = test::resident_bytes();
  std::atomic<bool> sampling{true};
  std::atomic<std::size_t> peak{baseline};
  std::thread sampler{[&] {
    while (sampling) {
      auto now = test::resident_bytes();
      if (now > peak)
        peak = now;
      std::this_thread::sleep_for(1ms);
    }
  }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto message = make_request(verb::post, "/api/v1/integrations/key/alertmanager",
                              bomb);
  message.set(field::content_encoding, "gzip");
  message.set(field::content_type, "application/json");
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  auto read_error = client.read(reply);
  sampling = false;
  sampler.join();

  ASSERT_FALSE(read_error);
  EXPECT_EQ(reply.result(), status::payload_too_large);
  EXPECT_EQ(error_code_of(reply), "body_too_large");
  EXPECT_LT(peak - baseline, 64u * 1024 * 1024);
  EXPECT_EQ(calls, 0);

  // A valid request right after is served normally.
  test_client next;
  ASSERT_FALSE(next.connect(server.port()));
  ASSERT_FALSE(next.send(make_request(verb::post, "/alerts", alert_body)));
  response next_reply;
  ASSERT_FALSE(next.read(next_reply));
  EXPECT_EQ(next_reply.result(), status::ok);
  EXPECT_EQ(next_reply.body(), alert_body);
}

TEST(HttpServer, RejectsBrotliWith415) {
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto message = make_request(verb::post, "/alerts", alert_body);
  message.set(field::content_encoding, "br");
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::unsupported_media_type);
  EXPECT_EQ(error_code_of(reply), "unsupported_content_encoding");
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, RejectsCorruptGzipWith400AndKeepsConnection) {
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  auto corrupt = test::compress(alert_body, 16 + 15);
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  auto message = make_request(verb::post, "/alerts", corrupt);
  message.set(field::content_encoding, "gzip");
  ASSERT_FALSE(client.send(std::move(message)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::bad_request);
  EXPECT_EQ(error_code_of(reply), "invalid_content_encoding");
  EXPECT_EQ(calls, 0);

  // The body was read in full, so the connection serves the next request.
  ASSERT_FALSE(client.send(make_request(verb::post, "/alerts", "ok")));
  response next;
  ASSERT_FALSE(client.read(next));
  EXPECT_EQ(next.body(), "ok");
}

TEST(HttpServer, PassesBodyWithoutContentTypeUnchanged) {
  std::vector<request> seen;
  std::mutex mutex;
  running_server server{limits{}, [&](request_context&& context, responder respond) {
                          {
                            std::lock_guard lock{mutex};
                            seen.push_back(context.message);
                          }
                          respond(text_response(""));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send(make_request(verb::post, "/alerts", alert_body)));
  response reply;
  ASSERT_FALSE(client.read(reply));
  auto with_newline = make_request(verb::post, "/alerts", alert_body + "\n");
  with_newline.set(field::content_type, "application/json");
  ASSERT_FALSE(client.send(std::move(with_newline)));
  ASSERT_FALSE(client.read(reply));

  std::lock_guard lock{mutex};
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].body(), alert_body);
  EXPECT_EQ(seen[0].count(field::content_type), 0u);
  EXPECT_EQ(seen[1].body(), alert_body + "\n");
  EXPECT_EQ(seen[1][field::content_type], "application/json");
}

TEST(HttpServer, ClosesHalfHeaderAfterReadTimeout) {
  std::atomic<int> calls{0};
  limits config;
  config.read_timeout = 1s;
  running_server server{config, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send_raw("POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow"));
  auto started = std::chrono::steady_clock::now();
  std::string received;
  auto error = client.read_until_closed(received);
  auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_TRUE(error == boost::asio::error::eof
              || error == boost::asio::error::connection_reset)
    << error.message();
  EXPECT_EQ(received, "");
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, ClosesKeptAliveConnectionAfterIdleTimeout) {
  limits config;
  config.idle_timeout = 1s;
  running_server server{config, echo_handler()};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send(make_request(verb::get, "/healthz")));
  response reply;
  ASSERT_FALSE(client.read(reply));
  auto started = std::chrono::steady_clock::now();
  std::string received;
  EXPECT_EQ(client.read_until_closed(received), boost::asio::error::eof);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(received, "");
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(HttpServer, RejectsThirdConnectionWith503) {
  limits config;
  config.max_connections = 2;
  running_server server{config, echo_handler()};

  test_client first;
  test_client second;
  for (auto* client : {&first, &second}) {
    ASSERT_FALSE(client->connect(server.port()));
    ASSERT_FALSE(client->send(make_request(verb::get, "/healthz")));
    response reply;
    ASSERT_FALSE(client->read(reply));
    EXPECT_EQ(reply.result(), status::ok);
  }
  EXPECT_EQ(server.get().open_connections(), 2u);

  test_client third;
  ASSERT_FALSE(third.connect(server.port()));
  ASSERT_FALSE(third.send(make_request(verb::get, "/healthz")));
  response rejected;
  ASSERT_FALSE(third.read(rejected));
  EXPECT_EQ(rejected.result(), status::service_unavailable);
  EXPECT_EQ(error_code_of(rejected), "too_many_connections");
  EXPECT_FALSE(rejected.keep_alive());
  std::string rest;
  EXPECT_EQ(third.read_until_closed(rest), boost::asio::error::eof);

  // A closed connection frees its slot for the next client.
  first.close();
  ASSERT_TRUE(test::wait_until([&] { return server.get().open_connections() == 1; }));
  test_client fourth;
  ASSERT_FALSE(fourth.connect(server.port()));
  ASSERT_FALSE(fourth.send(make_request(verb::get, "/healthz")));
  response accepted;
  ASSERT_FALSE(fourth.read(accepted));
  EXPECT_EQ(accepted.result(), status::ok);
}

TEST(HttpServer, ClosesConnectionBeyondRejectionCap) {
  limits config;
  config.max_connections = 1;
  config.max_rejected_connections = 0;
  running_server server{config, echo_handler()};

  test_client first;
  ASSERT_FALSE(first.connect(server.port()));
  ASSERT_FALSE(first.send(make_request(verb::get, "/healthz")));
  response reply;
  ASSERT_FALSE(first.read(reply));

  test_client second;
  ASSERT_FALSE(second.connect(server.port()));
  std::string received;
  auto error = second.read_until_closed(received);
  EXPECT_TRUE(error == boost::asio::error::eof
              || error == boost::asio::error::connection_reset)
    << error.message();
  EXPECT_EQ(received, "");
}

TEST(HttpServer, SendsInternalErrorForDroppedResponder) {
  running_server server{limits{}, [](request_context&&, responder) {}};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send(make_request(verb::get, "/lost")));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::internal_server_error);
  EXPECT_EQ(error_code_of(reply), "internal_error");
}

TEST(HttpServer, SendsInternalErrorWhenHandlerThrows) {
  running_server server{limits{}, [](request_context&&, responder) {
                          throw std::runtime_error{"handler failure"};
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send(make_request(verb::get, "/throws")));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::internal_server_error);
}

TEST(HttpServer, IgnoresSecondResponderCall) {
  std::atomic<int> calls{0};
  running_server server{limits{}, [&](request_context&&, responder respond) {
                          auto call = std::to_string(++calls);
                          respond(text_response("first " + call));
                          respond(text_response("second " + call));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  for (int i = 1; i <= 2; ++i) {
    ASSERT_FALSE(client.send(make_request(verb::get, "/twice")));
    response reply;
    ASSERT_FALSE(client.read(reply));
    EXPECT_EQ(reply.body(), "first " + std::to_string(i));
  }
  EXPECT_EQ(client.buffered_bytes(), 0u);
}

TEST(HttpServer, StopLetsInFlightRequestFinish) {
  std::promise<responder> pending;
  running_server server{limits{}, [&](request_context&& context, responder respond) {
                          if (context.target_path == "/slow")
                            return pending.set_value(respond);
                          respond(text_response("idle"));
                        }};

  test_client idle;
  ASSERT_FALSE(idle.connect(server.port()));
  ASSERT_FALSE(idle.send(make_request(verb::get, "/idle")));
  response idle_reply;
  ASSERT_FALSE(idle.read(idle_reply));

  test_client in_flight;
  ASSERT_FALSE(in_flight.connect(server.port()));
  ASSERT_FALSE(in_flight.send(make_request(verb::post, "/slow", "work")));
  auto respond = pending.get_future();
  ASSERT_EQ(respond.wait_for(5s), std::future_status::ready);

  server.get().stop();

  // The idle connection closes and no new connection is accepted.
  std::string received;
  EXPECT_EQ(idle.read_until_closed(received), boost::asio::error::eof);
  EXPECT_EQ(received, "");
  EXPECT_TRUE(test::wait_until([&] {
    test_client late;
    return late.connect(server.port()) == boost::asio::error::connection_refused;
  }));

  // The request being handled still gets its response, then the close.
  respond.get()(text_response("done"));
  response reply;
  ASSERT_FALSE(in_flight.read(reply));
  EXPECT_EQ(reply.result(), status::ok);
  EXPECT_EQ(reply.body(), "done");
  EXPECT_FALSE(reply.keep_alive());
  EXPECT_EQ(in_flight.read_until_closed(received), boost::asio::error::eof);
}

TEST(HttpServer, AnswersHeadWithoutBody) {
  running_server server{limits{}, [](request_context&&, responder respond) {
                          respond(text_response("hello"));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send(make_request(verb::head, "/resource")));
  response head_reply;
  ASSERT_FALSE(client.read(head_reply, true));
  EXPECT_EQ(head_reply.result(), status::ok);
  EXPECT_EQ(head_reply[field::content_length], "5");
  EXPECT_EQ(head_reply.body(), "");

  // A stray body would be read as the start of this response.
  ASSERT_FALSE(client.send(make_request(verb::get, "/resource")));
  response get_reply;
  ASSERT_FALSE(client.read(get_reply));
  EXPECT_EQ(get_reply.result(), status::ok);
  EXPECT_EQ(get_reply.body(), "hello");
}

TEST(HttpServer, PassesUnknownMethodAndSplitsTarget) {
  std::string method;
  std::string path;
  std::string query;
  running_server server{limits{}, [&](request_context&& context, responder respond) {
                          method = std::string{context.message.method_string()};
                          path = context.target_path;
                          query = context.query;
                          respond(text_response("purged"));
                        }};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send_raw(
    "PURGE /cache/a%20b?x=1&y=%2F HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.body(), "purged");
  EXPECT_EQ(method, "PURGE");
  EXPECT_EQ(path, "/cache/a%20b");
  EXPECT_EQ(query, "x=1&y=%2F");
}

TEST(HttpServer, AnswersExpectContinueBeforeBody) {
  running_server server{limits{}, echo_handler()};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send_raw("POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  response interim;
  ASSERT_FALSE(client.read(interim));
  EXPECT_EQ(interim.result(), status::continue_);
  ASSERT_FALSE(client.send_raw("body"));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::ok);
  EXPECT_EQ(reply.body(), "body");
}

TEST(HttpServer, RejectsMalformedRequestWith400) {
  std::atomic<int> calls{0};
  running_server server{limits{}, echo_handler(&calls)};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send_raw("POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Length: twelve\r\n\r\n"));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.result(), status::bad_request);
  EXPECT_EQ(error_code_of(reply), "invalid_request");
  EXPECT_EQ(calls, 0);
}

TEST(HttpServer, ClosesHttp10ConnectionAfterResponse) {
  running_server server{limits{}, echo_handler()};

  test_client client;
  ASSERT_FALSE(client.connect(server.port()));
  ASSERT_FALSE(client.send_raw("GET /healthz HTTP/1.0\r\n\r\n"));
  response reply;
  ASSERT_FALSE(client.read(reply));
  EXPECT_EQ(reply.version(), 10u);
  EXPECT_EQ(reply.result(), status::ok);
  std::string rest;
  EXPECT_EQ(client.read_until_closed(rest), boost::asio::error::eof);
}

TEST(HttpServer, StartNamesAddressWhenPortIsTaken) {
  running_server first{limits{}, echo_handler()};
  boost::asio::io_context io;
  auto address = "127.0.0.1:" + std::to_string(first.port());
  server second{io, address, limits{}, echo_handler()};
  auto error = second.start();
  ASSERT_TRUE(error);
  EXPECT_EQ(code_of(error), ec::io_error);
  EXPECT_NE(detail_of(error).find(address), std::string::npos) << detail_of(error);
  EXPECT_EQ(second.port(), 0);
}

TEST(HttpServer, StartRejectsHostName) {
  boost::asio::io_context io;
  server named{io, "localhost:8080", limits{}, echo_handler()};
  auto error = named.start();
  ASSERT_TRUE(error);
  EXPECT_EQ(code_of(error), ec::config_error);
}

} // namespace
} // namespace tropos::http
