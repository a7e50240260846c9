#include "channels/transport_policy.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

using namespace tropos;
using namespace tropos::channels;

TEST(TransportPolicy, AllowsTlsEverywhere) {
  EXPECT_EQ(check_transport_policy("https://api.twilio.com/2010-04-01"),
            transport_security::tls);
  EXPECT_EQ(check_transport_policy("smtps://smtp.example.test:465"),
            transport_security::tls);
}

TEST(TransportPolicy, RequiresStartTlsForRemoteSmtp) {
  // Plain smtp:// to a remote host is never sent in clear text: the client
  // insists on STARTTLS (CURLUSESSL_ALL) and fails without it.
  EXPECT_EQ(check_transport_policy("smtp://example.test"),
            transport_security::starttls);
  EXPECT_EQ(check_transport_policy("smtp://smtp.example.test:587"),
            transport_security::starttls);
}

TEST(TransportPolicy, AllowsPlainTextToLoopback) {
  for (auto url : {"http://127.0.0.1", "http://127.0.0.1:4010/x",
                   "http://127.8.9.10/", "http://[::1]:8080/",
                   "http://localhost:80", "http://LOCALHOST",
                   "smtp://127.0.0.1:2525", "HTTP://127.0.0.1/"}) {
    EXPECT_EQ(check_transport_policy(url),
              transport_security::loopback_plaintext)
      << url;
  }
}

TEST(TransportPolicy, RejectsPlainHttpToRemoteHost) {
  auto result = check_transport_policy("http://example.test/hook?token=s3cr3t");
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::invalid_argument);
  auto detail = detail_of(result.error());
  EXPECT_NE(detail.find("http://example.test"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("s3cr3t"), std::string::npos) << detail;
}

TEST(TransportPolicy, TreatsLoopbackLookalikesAsRemote) {
  for (auto url : {"http://127.0.0.1.example.test/", "http://127.0.0.1./",
                   "http://[::ffff:127.0.0.1]/", "http://localhost.example.test/",
                   "http://10.0.0.1/"}) {
    auto result = check_transport_policy(url);
    ASSERT_FALSE(result) << url;
    EXPECT_EQ(code_of(result.error()), ec::invalid_argument) << url;
  }
}

TEST(TransportPolicy, JudgesHostAsCurlNormalizesIt) {
  // curl's URL parser rewrites these to 127.0.0.1 and connects there, so
  // they are loopback.
  for (auto url : {"http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/",
                   "http://[0:0:0:0:0:0:0:1]/"}) {
    EXPECT_EQ(check_transport_policy(url),
              transport_security::loopback_plaintext)
      << url;
  }
}

TEST(TransportPolicy, RejectsOtherSchemesAndCredentials) {
  for (auto url : {"ftp://127.0.0.1/", "file:///etc/passwd",
                   "gopher://example.test/", "not a url",
                   "https://user:pw@example.test/"}) {
    auto result = check_transport_policy(url);
    ASSERT_FALSE(result) << url;
    EXPECT_EQ(code_of(result.error()), ec::invalid_argument) << url;
    EXPECT_EQ(detail_of(result.error()).find("pw@"), std::string::npos);
  }
}

TEST(RedactUrl, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(redact_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com");
  EXPECT_EQ(redact_url("http://user:pw@127.0.0.1:4010/a?b=c"),
            "http://127.0.0.1:4010");
  EXPECT_EQ(redact_url("::"), "(invalid url)");
}

TEST(IsLoopbackHost, MatchesOnlyCanonicalForms) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.255.254"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host(""));
}
