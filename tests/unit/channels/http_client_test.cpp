#include "channels/http_client.hpp"

#include "domain/error.hpp"
#include "tests/support/http_stub.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

using namespace tropos;
using namespace tropos::channels;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<http_client> make_client(http_client_options options = {}) {
  auto client = http_client::make(std::move(options));
  if (!client)
    throw std::runtime_error{describe(client.error())};
  return std::move(*client);
}

// Submits `req` and waits up to 30 s for its response.
response send(http_client& client, request req) {
  std::promise<response> result;
  client.submit(std::move(req), [&](response reply) {
    result.set_value(std::move(reply));
  });
  auto future = result.get_future();
  if (future.wait_for(30s) != std::future_status::ready)
    throw std::runtime_error{"no response within 30 s"};
  return future.get();
}

request get(std::string url) {
  request req;
  req.method = "GET";
  req.url = std::move(url);
  return req;
}

} // namespace

TEST(HttpClient, SendsMethodHeadersBodyAndBasicAuth) {
  test::http_stub stub{{{201, R"({"ok":true})"}}};
  auto client = make_client();

  request req;
  req.url = stub.base_url() + "/v1/things?x=1";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"X-Trace", "abc"}};
  req.body = "a=1&b=%2B2";
  req.basic_user = "user";
  req.basic_password = "pass";
  auto reply = send(*client, req);

  EXPECT_FALSE(reply.transport_error) << describe(reply.transport_error);
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body, R"({"ok":true})");
  EXPECT_FALSE(reply.retry_after);

  auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/things?x=1");
  EXPECT_EQ(requests[0].body, "a=1&b=%2B2");
  EXPECT_EQ(requests[0].header("Authorization"), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(requests[0].header("Content-Type"),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[0].header("X-Trace"), "abc");
  EXPECT_EQ(requests[0].header("User-Agent"), "tropos");
}

TEST(HttpClient, SendsPutWithBodyAndGetWithout) {
  test::http_stub stub{{{204, ""}}};
  auto client = make_client();

  request put;
  put.method = "PUT";
  put.url = stub.base_url() + "/item";
  put.body = "{}";
  EXPECT_EQ(send(*client, put).status, 204);
  EXPECT_EQ(send(*client, get(stub.base_url() + "/item")).status, 204);

  auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].body, "{}");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].body, "");
}

TEST(HttpClient, ReturnsRetryAfterOf429) {
  test::http_stub stub{{{429, R"({"code":20429})", {{"Retry-After", "30"}}}}};
  auto client = make_client();

  auto reply = send(*client, get(stub.base_url() + "/"));
  EXPECT_FALSE(reply.transport_error);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.body, R"({"code":20429})");
  ASSERT_TRUE(reply.retry_after);
  EXPECT_EQ(*reply.retry_after, 30s);
}

TEST(HttpClient, RunsCallbackOnClientThread) {
  test::http_stub stub{{{200, "{}"}}};
  auto client = make_client();

  std::promise<std::thread::id> ran_on;
  client->submit(get(stub.base_url() + "/"), [&](response) {
    ran_on.set_value(std::this_thread::get_id());
  });
  auto future = ran_on.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST(HttpClient, RejectsPlainHttpToRemoteHostWithoutConnecting) {
  auto client = make_client();
  auto reply = send(*client, get("http://example.test/hook"));
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(code_of(reply.transport_error), ec::invalid_argument);
  EXPECT_NE(detail_of(reply.transport_error).find("http://example.test"),
            std::string::npos)
    << describe(reply.transport_error);
}

TEST(HttpClient, RejectsSmtpUrlForHttp) {
  auto client = make_client();
  auto reply = send(*client, get("smtp://127.0.0.1:1"));
  EXPECT_EQ(code_of(reply.transport_error), ec::invalid_argument);
}

TEST(HttpClient, RejectsHeaderInjection) {
  test::http_stub stub{{{200, "{}"}}};
  auto client = make_client();
  auto req = get(stub.base_url() + "/");
  req.headers = {{"X-Note", "a\r\nX-Injected: 1"}};
  auto reply = send(*client, req);
  EXPECT_EQ(code_of(reply.transport_error), ec::invalid_argument);
  EXPECT_TRUE(stub.requests().empty());

  req.headers = {};
  req.method = "GET /x HTTP/1.1\r\n";
  reply = send(*client, req);
  EXPECT_EQ(code_of(reply.transport_error), ec::invalid_argument);
}

TEST(HttpClient, ReportsRefusedConnection) {
  auto client = make_client();
  auto url = "http://127.0.0.1:" + std::to_string(test::free_loopback_port());
  auto reply = send(*client, get(url));
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(code_of(reply.transport_error), ec::delivery_failed);
  EXPECT_NE(detail_of(reply.transport_error).find("curl error 7"),
            std::string::npos)
    << describe(reply.transport_error);
}

TEST(HttpClient, TimesOutStalledServer) {
  test::http_stub stub{{{200, "{}", {}, 5s}}};
  auto client = make_client();
  auto req = get(stub.base_url() + "/");
  req.timeout = 300ms;
  auto reply = send(*client, req);
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(code_of(reply.transport_error), ec::timeout);
  EXPECT_NE(detail_of(reply.transport_error).find("curl error 28"),
            std::string::npos)
    << describe(reply.transport_error);
}

TEST(HttpClient, RejectsOversizedResponse) {
  test::http_stub stub{{{200, std::string(4096, 'x')}}};
  http_client_options options;
  options.max_response_bytes = 1024;
  auto client = make_client(options);
  auto reply = send(*client, get(stub.base_url() + "/"));
  EXPECT_EQ(code_of(reply.transport_error), ec::too_large)
    << describe(reply.transport_error);
  EXPECT_TRUE(reply.body.empty());
}

TEST(HttpClient, DoesNotFollowRedirects) {
  test::http_stub stub{{{302, "", {{"Location", "/elsewhere"}}}}};
  auto client = make_client();
  auto reply = send(*client, get(stub.base_url() + "/start"));
  EXPECT_FALSE(reply.transport_error);
  EXPECT_EQ(reply.status, 302);
  EXPECT_EQ(stub.requests().size(), 1u);
}

TEST(HttpClient, SlowRequestDoesNotHoldBackFastOne) {
  test::http_stub slow{{{200, "slow", {}, 2s}}};
  test::http_stub fast{{{200, "fast"}}};
  auto client = make_client();

  std::mutex mutex;
  std::vector<std::string> order;
  std::promise<void> both;
  auto record = [&](response reply) {
    std::lock_guard guard{mutex};
    order.push_back(reply.body);
    if (order.size() == 2)
      both.set_value();
  };
  client->submit(get(slow.base_url() + "/"), record);
  // The slow stub has the request before the fast one is sent.
  while (slow.requests().empty())
    std::this_thread::sleep_for(10ms);
  client->submit(get(fast.base_url() + "/"), record);

  ASSERT_EQ(both.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<std::string>{"fast", "slow"}));
}

TEST(HttpClient, ShutdownAbortsRunningTransfer) {
  test::http_stub stub{{{200, "{}", {}, 20s}}};
  http_client_options options;
  options.shutdown_grace = 200ms;
  auto client = make_client(options);

  std::promise<response> result;
  auto req = get(stub.base_url() + "/");
  req.timeout = 60s;
  client->submit(req, [&](response reply) {
    result.set_value(std::move(reply));
  });
  while (stub.requests().empty())
    std::this_thread::sleep_for(10ms);
  client.reset();

  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(code_of(future.get().transport_error), ec::unavailable);
}

TEST(HttpClient, ShutdownLetsQuickTransferFinish) {
  test::http_stub stub{{{200, "done", {}, 300ms}}};
  auto client = make_client();

  std::promise<response> result;
  client->submit(get(stub.base_url() + "/"), [&](response reply) {
    result.set_value(std::move(reply));
  });
  while (stub.requests().empty())
    std::this_thread::sleep_for(10ms);
  client.reset();

  auto reply = result.get_future().get();
  EXPECT_FALSE(reply.transport_error) << describe(reply.transport_error);
  EXPECT_EQ(reply.body, "done");
}

TEST(ParseRetryAfter, ReadsDeltaSeconds) {
  date::sys_seconds now{};
  EXPECT_EQ(parse_retry_after("30", now), 30s);
  EXPECT_EQ(parse_retry_after(" 120 ", now), 120s);
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", now),
            std::chrono::seconds{std::chrono::hours{24 * 365}});
}

TEST(ParseRetryAfter, ReadsHttpDate) {
  using namespace date;
  date::sys_seconds now = sys_days{2015_y / October / 21} + 7h + 27min;
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 60s);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0s);
}

TEST(ParseRetryAfter, IgnoresInvalidValues) {
  date::sys_seconds now{};
  for (auto value : {"", "soon", "-5", "1.5", "30s",
                     "Wednesday, 21-Oct-15 07:28:00 GMT"})
    EXPECT_FALSE(parse_retry_after(value, now)) << value;
}

TEST(HttpClient, RejectsNonPositiveTimeout) {
  test::http_stub stub{{{200, "{}"}}};
  auto client = make_client();
  auto req = get(stub.base_url() + "/");
  req.timeout = std::chrono::milliseconds{0};
  auto reply = send(*client, req);
  EXPECT_EQ(code_of(reply.transport_error), ec::invalid_argument);
  EXPECT_TRUE(stub.requests().empty());
}

TEST(HttpClient, CallbackMaySubmitAgain) {
  test::http_stub stub{{{200, "first"}, {200, "second"}}};
  auto client = make_client();

  std::promise<std::string> second;
  client->submit(get(stub.base_url() + "/1"), [&](response first) {
    auto next = get(stub.base_url() + "/2");
    client->submit(next, [&](response reply) { second.set_value(reply.body); });
    EXPECT_EQ(first.body, "first");
  });
  auto future = second.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(future.get(), "second");
}
