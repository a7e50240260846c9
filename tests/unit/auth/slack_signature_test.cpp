#include "auth/slack_signature.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace {

using namespace std::chrono_literals;
using tropos::auth::slack_signature;
using tropos::auth::verify_slack_signature;

// Expected signatures were computed with
// `printf '%s' 'v0:TS:BODY' | openssl dgst -sha256 -hmac SECRET`.
const std::string secret = "c0ffee5ecret0123456789abcdef0000";
const std::string timestamp = "1744279200";
const std::string body = "payload=%7B%22type%22%3A%22block_actions%22%7D";
const std::string signature
  = "v0=96c58b8ff426eac5e8f2adb3ef2afcf1f50782a8289bea901195d331f7150635";
const date::sys_seconds request_time{1744279200s};

TEST(SlackSignature, ComputesKnownVector) {
  EXPECT_EQ(slack_signature(secret, timestamp, body), signature);
  EXPECT_EQ(slack_signature(secret, timestamp, ""),
            "v0=aff5f1bedc15d356b4b0110c9d3973b7c73bfdae4eec01c90fcd2f22bb4cceae");
}

TEST(SlackSignature, AcceptsValidRequest) {
  EXPECT_TRUE(verify_slack_signature(secret, timestamp, body, signature,
                                     request_time));
}

TEST(SlackSignature, AcceptsSkewUpToFiveMinutes) {
  EXPECT_TRUE(verify_slack_signature(secret, timestamp, body, signature,
                                     request_time + 300s));
  EXPECT_TRUE(verify_slack_signature(secret, timestamp, body, signature,
                                     request_time - 300s));
}

TEST(SlackSignature, RejectsSkewOverFiveMinutes) {
  EXPECT_FALSE(verify_slack_signature(secret, timestamp, body, signature,
                                      request_time + 301s));
  EXPECT_FALSE(verify_slack_signature(secret, timestamp, body, signature,
                                      request_time - 301s));
}

TEST(SlackSignature, RejectsTamperedBody) {
  EXPECT_FALSE(verify_slack_signature(secret, timestamp, body + "x",
                                      signature, request_time));
}

TEST(SlackSignature, RejectsWrongSecret) {
  EXPECT_FALSE(verify_slack_signature("other-secret", timestamp, body,
                                      signature, request_time));
}

TEST(SlackSignature, RejectsNonIntegerTimestamp) {
  for (std::string ts : {"", " 1744279200", "1744279200 ", "1744279200.0",
                         "-1744279200", "+1744279200", "0x67f7a0a0",
                         "17442792000000000000000"}) {
    EXPECT_FALSE(verify_slack_signature(secret, ts, body,
                                        slack_signature(secret, ts, body),
                                        request_time))
      << "timestamp: " << ts;
  }
}

TEST(SlackSignature, RejectsAlteredHeader) {
  std::string uppercase = signature;
  for (auto& c : uppercase)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string header :
       {std::string{}, signature.substr(3), "v1=" + signature.substr(3),
        signature + "0", signature.substr(0, signature.size() - 1), uppercase}) {
    EXPECT_FALSE(verify_slack_signature(secret, timestamp, body, header,
                                        request_time))
      << "header: " << header;
  }
}

} // namespace
