#include "channels/email.hpp"

#include "channels/http_client.hpp"
#include "channels/utf8.hpp"
#include "domain/error.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/smtp_server.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace tropos;
using namespace tropos::channels;
using namespace std::chrono_literals;

namespace {

// The alert summary of the header-injection case: non-ASCII text, an
// emoji outside the BMP and a CR LF followed by a forged Bcc header.
const std::string injected_subject
  = "Disk 95% full on caf\xC3\xA9-db-01 \xE2\x80\x94 \xF0\x9F\x9A\x80 "
    "migration\r\nBcc: intruder@example.test";

mail_request make_mail(std::string url = "smtp://127.0.0.1:2525") {
  mail_request mail;
  mail.url = std::move(url);
  mail.from_header = "Tropos <tropos@example.test>";
  mail.to_address = "ava@example.test";
  mail.subject = injected_subject;
  mail.body_text = "Disk 95% full on caf\xC3\xA9-db-01\nSecond line";
  return mail;
}

date::sys_seconds noon_july_first() {
  using namespace date;
  return sys_days{2025_y / July / 1} + 12h;
}

std::string build(const mail_request& mail) {
  auto message = build_message(mail, noon_july_first(), "m1@example.test");
  if (!message)
    return "build_message failed: " + describe(message.error());
  return *message;
}

bool is_ascii(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false;
  return true;
}

// Checks the line limits and that every encoded-word is short and contains
// whole UTF-8 characters only.
void expect_well_formed_header(const test::parsed_message& message) {
  for (const auto& line : message.header_lines)
    EXPECT_LE(line.size(), 78u) << line;
  for (const auto& [name, value] : message.fields) {
    for (const auto& word : test::encoded_words(value)) {
      EXPECT_LE(word.size(), 75u) << word;
      auto text = test::decode_rfc2047(word);
      EXPECT_EQ(repair_utf8(text), text) << "word splits a character: " << word;
    }
  }
}

} // namespace

TEST(BuildMessage, EncodesInjectedSubjectAsOneHeader) {
  auto message = test::parse_message(build(make_mail()));

  EXPECT_TRUE(is_ascii(message.header_section));
  ASSERT_EQ(message.values("Subject").size(), 1u);
  EXPECT_TRUE(message.values("Bcc").empty());
  EXPECT_TRUE(message.values("Cc").empty());

  auto subject = test::decode_rfc2047(message.values("Subject").front());
  EXPECT_EQ(subject, "Disk 95% full on caf\xC3\xA9-db-01 \xE2\x80\x94 "
                     "\xF0\x9F\x9A\x80 migration Bcc: intruder@example.test");
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string::npos);
  expect_well_formed_header(message);
}

TEST(BuildMessage, WritesHeadersAndUtf8Body) {
  auto raw = build(make_mail());
  auto message = test::parse_message(raw);

  auto only = [&](std::string_view name) {
    auto values = message.values(name);
    return values.size() == 1 ? values.front() : "count " + std::to_string(values.size());
  };
  EXPECT_EQ(only("Date"), "Tue, 01 Jul 2025 12:00:00 +0000");
  EXPECT_EQ(only("From"), "Tropos <tropos@example.test>");
  EXPECT_EQ(only("To"), "ava@example.test");
  EXPECT_EQ(only("Message-ID"), "<m1@example.test>");
  EXPECT_EQ(only("MIME-Version"), "1.0");
  EXPECT_EQ(only("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(only("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(only("Auto-Submitted"), "auto-generated");

  EXPECT_EQ(test::decode_base64(message.body),
            "Disk 95% full on caf\xC3\xA9-db-01\r\nSecond line");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ASSERT_GT(i, 0u);
      ASSERT_EQ(raw[i - 1], '\r') << "bare LF at byte " << i;
    }
  }
}

TEST(BuildMessage, KeepsShortAsciiSubjectPlain) {
  auto mail = make_mail();
  mail.subject = "Disk full on db-01";
  auto message = test::parse_message(build(mail));
  ASSERT_EQ(message.values("Subject").size(), 1u);
  EXPECT_EQ(message.values("Subject").front(), "Disk full on db-01");
}

TEST(BuildMessage, FoldsLongAsciiSubjectAtSpaces) {
  auto mail = make_mail();
  std::string subject;
  for (int i = 0; i < 40; ++i)
    subject += (i == 0 ? "" : " ") + std::string{"word"} + std::to_string(i);
  mail.subject = subject;

  auto message = test::parse_message(build(mail));
  ASSERT_EQ(message.values("Subject").size(), 1u);
  EXPECT_EQ(message.values("Subject").front(), subject);
  EXPECT_GT(message.header_lines.size(), message.fields.size());
  expect_well_formed_header(message);
}

TEST(BuildMessage, SplitsLongNonAsciiSubjectBetweenCharacters) {
  auto mail = make_mail();
  std::string subject;
  for (int i = 0; i < 120; ++i)
    subject += "\xF0\x9F\x9A\x80\xC3\xA9x";
  mail.subject = subject;

  auto message = test::parse_message(build(mail));
  ASSERT_EQ(message.values("Subject").size(), 1u);
  EXPECT_EQ(test::decode_rfc2047(message.values("Subject").front()), subject);
  EXPECT_GT(test::encoded_words(message.values("Subject").front()).size(), 5u);
  EXPECT_TRUE(is_ascii(message.header_section));
  expect_well_formed_header(message);
}

TEST(BuildMessage, EncodesAsciiThatLooksLikeEncodedWord) {
  auto mail = make_mail();
  mail.subject = "=?UTF-8?B?SGk=?= literal";
  auto message = test::parse_message(build(mail));
  EXPECT_EQ(test::decode_rfc2047(message.values("Subject").front()),
            "=?UTF-8?B?SGk=?= literal");
}

TEST(BuildMessage, EncodesNonAsciiDisplayName) {
  auto mail = make_mail();
  mail.from_header = "Tr\xC3\xB3pos Alerts <tropos@example.test>";
  auto message = test::parse_message(build(mail));
  ASSERT_EQ(message.values("From").size(), 1u);
  EXPECT_EQ(test::decode_rfc2047(message.values("From").front()),
            "Tr\xC3\xB3pos Alerts <tropos@example.test>");
  EXPECT_TRUE(is_ascii(message.header_section));
}

TEST(BuildMessage, QuotesDisplayNameWithSpecials) {
  auto mail = make_mail();
  mail.from_header = "\"Ops, \\\"Night\\\"\" <tropos@example.test>";
  auto message = test::parse_message(build(mail));
  // The configured quoted string is unquoted and then quoted again.
  EXPECT_EQ(message.values("From").front(),
            "\"Ops, \\\"Night\\\"\" <tropos@example.test>");
}

TEST(BuildMessage, RejectsInvalidAddresses) {
  struct bad_case {
    std::string from;
    std::string to;
    std::string field;
  };
  std::vector<bad_case> cases{
    {"tropos@example.test", "ava@example.test\r\nBcc: x@example.test",
     "to_address"},
    {"tropos@example.test", "<ava@example.test>", "to_address"},
    {"tropos@example.test", "ava.example.test", "to_address"},
    {"tropos@example.test", "ava@example.test, eve@example.test",
     "to_address"},
    {"tropos@example.test", "", "to_address"},
    {"Tropos <tropos@example.test>\r\nBcc: x@example.test",
     "ava@example.test", "from_header"},
    {"Tropos <tropos.example.test>", "ava@example.test", "from_header"},
    {"Tropos <tropos@example.test", "ava@example.test", "from_header"},
  };
  for (const auto& [from, to, field] : cases) {
    auto mail = make_mail();
    mail.from_header = from;
    mail.to_address = to;
    auto message = build_message(mail, noon_july_first(), "m1@example.test");
    ASSERT_FALSE(message) << "accepted from " << from << " to " << to;
    EXPECT_EQ(code_of(message.error()), ec::invalid_argument);
    EXPECT_EQ(detail_of(message.error()).rfind(field, 0), 0u)
      << describe(message.error());
  }
}

TEST(BuildMessage, RejectsInvalidMessageId) {
  for (std::string id : {"", "no-at-sign", "a@b\r\nBcc: x", "<a@b>"}) {
    auto message = build_message(make_mail(), noon_july_first(), id);
    ASSERT_FALSE(message) << id;
    EXPECT_EQ(code_of(message.error()), ec::invalid_argument);
  }
}

TEST(SenderAddress, ExtractsAddressFromHeader) {
  auto bracketed = sender_address("Tropos <tropos@example.test>");
  ASSERT_TRUE(bracketed) << describe(bracketed.error());
  EXPECT_EQ(*bracketed, "tropos@example.test");
  auto bare = sender_address("tropos@example.test");
  ASSERT_TRUE(bare) << describe(bare.error());
  EXPECT_EQ(*bare, "tropos@example.test");
}

TEST(MakeMessageId, IsRandomWithGivenDomain) {
  auto first = make_message_id("example.test");
  auto second = make_message_id("example.test");
  EXPECT_NE(first, second);
  EXPECT_EQ(first.size(), 32u + 1u + 12u);
  EXPECT_EQ(first.substr(32), "@example.test");
}

TEST(EncodeBase64, MatchesRfc4648Vectors) {
  EXPECT_EQ(encode_base64(""), "");
  EXPECT_EQ(encode_base64("f"), "Zg==");
  EXPECT_EQ(encode_base64("fo"), "Zm8=");
  EXPECT_EQ(encode_base64("foo"), "Zm9v");
  EXPECT_EQ(encode_base64("foobar"), "Zm9vYmFy");
}

// ---- real SMTP server (aiosmtpd on a free loopback port) ---------------

TEST(EmailSmtpServer, DeliversInjectedSubjectToOneRecipient) {
  test::smtp_server server;
  auto client = http_client::make();
  ASSERT_TRUE(client) << describe(client.error());

  std::promise<caf::error> result;
  (*client)->submit_mail(make_mail(server.url()), [&](caf::error err) {
    result.set_value(std::move(err));
  });
  auto outcome = result.get_future();
  ASSERT_EQ(outcome.wait_for(30s), std::future_status::ready);
  auto err = outcome.get();
  ASSERT_FALSE(err) << describe(err) << "\n" << server.log();

  auto received = server.wait_for_messages(1, 10s);
  ASSERT_EQ(received.size(), 1u) << server.log();
  EXPECT_EQ(received[0].mail_from, "tropos@example.test");
  EXPECT_EQ(received[0].rcpt_tos, std::vector<std::string>{"ava@example.test"});

  auto message = test::parse_message(received[0].data);
  EXPECT_TRUE(is_ascii(message.header_section));
  ASSERT_EQ(message.values("Subject").size(), 1u);
  EXPECT_TRUE(message.values("Bcc").empty());
  auto subject = test::decode_rfc2047(message.values("Subject").front());
  EXPECT_NE(subject.find("caf\xC3\xA9-db-01"), std::string::npos) << subject;
  EXPECT_NE(subject.find("\xE2\x80\x94"), std::string::npos) << subject;
  EXPECT_NE(subject.find("\xF0\x9F\x9A\x80"), std::string::npos) << subject;
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string::npos);
  expect_well_formed_header(message);
  EXPECT_EQ(message.values("Content-Type").front(),
            "text/plain; charset=utf-8");
  EXPECT_EQ(test::decode_base64(message.body),
            "Disk 95% full on caf\xC3\xA9-db-01\r\nSecond line");
  EXPECT_EQ(message.values("Message-ID").front().substr(33),
            "@example.test>");
}

TEST(EmailSmtpServer, ReportsRefusedConnectionAsRetryable) {
  auto client = http_client::make();
  ASSERT_TRUE(client) << describe(client.error());
  auto url = "smtp://127.0.0.1:" + std::to_string(test::free_loopback_port());

  std::promise<caf::error> result;
  (*client)->submit_mail(make_mail(url), [&](caf::error err) {
    result.set_value(std::move(err));
  });
  auto outcome = result.get_future();
  ASSERT_EQ(outcome.wait_for(30s), std::future_status::ready);
  auto err = outcome.get();
  EXPECT_EQ(code_of(err), ec::delivery_failed) << describe(err);
  EXPECT_NE(detail_of(err).find("curl error 7"), std::string::npos)
    << describe(err);
}

TEST(EmailSmtpServer, RejectsInvalidRecipientBeforeConnecting) {
  auto client = http_client::make();
  ASSERT_TRUE(client) << describe(client.error());
  auto mail = make_mail("smtp://127.0.0.1:1");
  mail.to_address = "ava@example.test>\r\nRCPT TO:<eve@example.test";

  std::promise<caf::error> result;
  (*client)->submit_mail(mail, [&](caf::error err) {
    result.set_value(std::move(err));
  });
  auto outcome = result.get_future();
  ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready);
  auto err = outcome.get();
  EXPECT_EQ(code_of(err), ec::invalid_argument) << describe(err);
  EXPECT_EQ(detail_of(err).rfind("to_address", 0), 0u) << describe(err);
}

TEST(EmailSmtpServer, RejectsHttpsUrlForMail) {
  auto client = http_client::make();
  ASSERT_TRUE(client) << describe(client.error());

  std::promise<caf::error> result;
  (*client)->submit_mail(make_mail("https://127.0.0.1:1"),
                         [&](caf::error err) {
                           result.set_value(std::move(err));
                         });
  auto outcome = result.get_future();
  ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready);
  auto err = outcome.get();
  EXPECT_EQ(code_of(err), ec::invalid_argument) << describe(err);
  EXPECT_NE(detail_of(err).find("https://127.0.0.1:1"), std::string::npos)
    << describe(err);
}
