#include "http/listen_address.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

namespace tropos::http {
namespace {

TEST(ListenAddress, ParsesIpv4AndIpv6) {
  auto v4 = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(v4) << describe(v4.error());
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 8080);

  auto any = parse_listen_address("0.0.0.0:0");
  ASSERT_TRUE(any) << describe(any.error());
  EXPECT_EQ(any->address().to_string(), "0.0.0.0");
  EXPECT_EQ(any->port(), 0);

  auto v6 = parse_listen_address("[::1]:65535");
  ASSERT_TRUE(v6) << describe(v6.error());
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->address().to_string(), "::1");
  EXPECT_EQ(v6->port(), 65535);
}

TEST(ListenAddress, RejectsInvalidValuesNamingThem) {
  for (auto text : {"localhost:8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                    "127.0.0.1:80x", ":8080", "::1:8080", "[127.0.0.1]:80", "[::1]8080",
                    ""}) {
    auto endpoint = parse_listen_address(text);
    ASSERT_FALSE(endpoint) << text;
    EXPECT_EQ(code_of(endpoint.error()), ec::config_error) << text;
    EXPECT_NE(detail_of(endpoint.error()).find(std::string{"\""} + text + "\""),
              std::string::npos)
      << detail_of(endpoint.error());
  }
}

} // namespace
} // namespace tropos::http
