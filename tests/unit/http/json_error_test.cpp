#include "http/json_error.hpp"

#include <boost/beast/http/field.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tropos::http {
namespace {

using boost::beast::http::field;
using boost::beast::http::status;

TEST(JsonError, WritesCodeMessageAndField) {
  auto message = json_error(status::bad_request, "invalid_field",
                            "routing_key is missing", "routing_key");
  EXPECT_EQ(message.result(), status::bad_request);
  EXPECT_EQ(message[field::content_type], "application/json");
  EXPECT_EQ(message.body(),
            R"({"error":{"code":"invalid_field","field":"routing_key",)"
            R"("message":"routing_key is missing"}})");
  EXPECT_EQ(message[field::content_length], std::to_string(message.body().size()));
}

TEST(JsonError, LeavesOutEmptyField) {
  auto message = json_error(status::payload_too_large, "body_too_large", "too big");
  EXPECT_EQ(message.body(),
            R"({"error":{"code":"body_too_large","message":"too big"}})");
}

TEST(JsonError, EscapesQuotesAndControlCharacters) {
  auto message = json_error(status::bad_request, "invalid_request",
                            "bad \"value\"\nnext\\line");
  EXPECT_EQ(message.body(), R"({"error":{"code":"invalid_request",)"
                            R"("message":"bad \"value\"\nnext\\line"}})");
  auto parsed = nlohmann::json::parse(message.body());
  EXPECT_EQ(parsed["error"]["message"], "bad \"value\"\nnext\\line");
}

TEST(JsonError, ReplacesInvalidUtf8) {
  auto message = json_error(status::bad_request, "invalid_request", "\xff");
  EXPECT_EQ(message.body(),
            "{\"error\":{\"code\":\"invalid_request\",\"message\":\"\xEF\xBF\xBD\"}}");
}

TEST(JsonResponse, SerializesBody) {
  auto message = json_response(status::accepted,
                               {{"status", "success"}, {"dedup_key", "k1"}});
  EXPECT_EQ(message.result(), status::accepted);
  EXPECT_EQ(message[field::content_type], "application/json");
  EXPECT_EQ(message.body(), R"({"dedup_key":"k1","status":"success"})");
}

} // namespace
} // namespace tropos::http
