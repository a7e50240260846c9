#include "http/server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>
#include <vector>

namespace tropos::http {
namespace {

using boost::beast::http::status;

/// Records what a responder delivers.
class recording_sink : public detail::response_sink {
public:
  void deliver(response message) override {
    std::lock_guard lock{mutex};
    delivered.push_back(std::move(message));
  }

  std::mutex mutex;
  std::vector<response> delivered;
};

response with_body(std::string body) {
  response message{status::ok, 11};
  message.body() = std::move(body);
  return message;
}

TEST(Responder, DeliversFirstCallOnly) {
  auto sink = std::make_shared<recording_sink>();
  {
    responder respond{sink};
    auto copy = respond;
    respond(with_body("first"));
    copy(with_body("second"));
    respond(with_body("third"));
  }
  ASSERT_EQ(sink->delivered.size(), 1u);
  EXPECT_EQ(sink->delivered[0].body(), "first");
}

TEST(Responder, SendsInternalErrorWhenLastCopyDropsUncalled) {
  auto sink = std::make_shared<recording_sink>();
  {
    responder respond{sink};
    auto copy = respond;
    { auto moved = std::move(respond); }
    EXPECT_TRUE(sink->delivered.empty()) << "a copy is still alive";
  }
  ASSERT_EQ(sink->delivered.size(), 1u);
  EXPECT_EQ(sink->delivered[0].result(), status::internal_server_error);
  auto body = nlohmann::json::parse(sink->delivered[0].body());
  EXPECT_EQ(body["error"]["code"], "internal_error");
}

TEST(Responder, DeliversOnceAcrossRacingThreads) {
  auto sink = std::make_shared<recording_sink>();
  {
    responder respond{sink};
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([respond, i] { respond(with_body(std::to_string(i))); });
  }
  ASSERT_EQ(sink->delivered.size(), 1u);
  EXPECT_EQ(sink->delivered[0].result(), status::ok);
}

} // namespace
} // namespace tropos::http
