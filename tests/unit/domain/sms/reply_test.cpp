#include "domain/sms/reply.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using tropos::sms::help_text;
using tropos::sms::parse_reply;
using tropos::sms::verb;

const char* name_of(verb v) {
  switch (v) {
    case verb::acknowledge: return "acknowledge";
    case verb::resolve: return "resolve";
    case verb::escalate: return "escalate";
    case verb::stop: return "stop";
    case verb::start: return "start";
    case verb::help: return "help";
    case verb::unknown: return "unknown";
  }
  return "?";
}

struct reply_case {
  std::string body;
  verb expected_verb;
  std::optional<unsigned> expected_number;
};

void check_cases(std::initializer_list<reply_case> cases) {
  for (const auto& c : cases) {
    auto reply = parse_reply(c.body);
    EXPECT_EQ(name_of(reply.v), std::string{name_of(c.expected_verb)})
      << "body: \"" << c.body << "\"";
    EXPECT_EQ(reply.number, c.expected_number) << "body: \"" << c.body << "\"";
  }
}

TEST(SmsReply, PagedResponderReplies) {
  // Every body a responder paged with reply code 12 might send.
  check_cases({
    {"12a", verb::acknowledge, 12},
    {"12A", verb::acknowledge, 12},
    {"  12a\n", verb::acknowledge, 12},
    {"12 a", verb::acknowledge, 12},
    {"'12a'", verb::acknowledge, 12},
    {"ack", verb::acknowledge, std::nullopt},
    {"ACK 345", verb::acknowledge, 345},
    {"ack 346", verb::acknowledge, 346},
    {"12x", verb::help, 12},
    {"13a", verb::acknowledge, 13},
    {"12c", verb::resolve, 12},
    {"STOP", verb::stop, std::nullopt},
    {"stop ", verb::stop, std::nullopt},
    {"please stop", verb::unknown, std::nullopt},
    {"START", verb::start, std::nullopt},
  });
}

TEST(SmsReply, CodeThenLetter) {
  check_cases({
    {"12 A", verb::acknowledge, 12},
    {"12e", verb::escalate, 12},
    {"12E", verb::escalate, 12},
    {"12C", verb::resolve, 12},
    {"\t12\ta\t", verb::acknowledge, 12},
    {"1 2 a", verb::acknowledge, 12},
    {"\"12a\"", verb::acknowledge, 12},
    {"\xE2\x80\x98" "12a\xE2\x80\x99", verb::acknowledge, 12},
    {"\xE2\x80\x9C" "12a\xE2\x80\x9D", verb::acknowledge, 12},
    {"12a\xC2\xA0", verb::acknowledge, 12},
    {"\r\n12c\r\n", verb::resolve, 12},
    {"12ack", verb::acknowledge, 12},
    {"12 acknowledge", verb::acknowledge, 12},
    {"12close", verb::resolve, 12},
    {"12 resolve", verb::resolve, 12},
    {"12 esc", verb::escalate, 12},
    {"012a", verb::acknowledge, 12},
    {"0a", verb::acknowledge, 0},
    {"123456789a", verb::acknowledge, 123456789},
  });
}

TEST(SmsReply, VerbThenNumber) {
  check_cases({
    {"a", verb::acknowledge, std::nullopt},
    {"A", verb::acknowledge, std::nullopt},
    {"acknowledge", verb::acknowledge, std::nullopt},
    {"Acknowledge", verb::acknowledge, std::nullopt},
    {"ack 12", verb::acknowledge, 12},
    {"a 12", verb::acknowledge, 12},
    {"ack #12", verb::acknowledge, 12},
    {"ack12", verb::acknowledge, 12},
    {"a#12", verb::acknowledge, 12},
    {"close 12", verb::resolve, 12},
    {"c 12", verb::resolve, 12},
    {"resolve 12", verb::resolve, 12},
    {"close", verb::resolve, std::nullopt},
    {"c", verb::resolve, std::nullopt},
    {"e", verb::escalate, std::nullopt},
    {"escalate 7", verb::escalate, 7},
    {"'ack 12'", verb::acknowledge, 12},
    {"ack 123456789", verb::acknowledge, 123456789},
  });
}

TEST(SmsReply, OptOutKeywordsAreWholeMessage) {
  check_cases({
    {"stop", verb::stop, std::nullopt},
    {"Stop", verb::stop, std::nullopt},
    {"STOPALL", verb::stop, std::nullopt},
    {"stop all", verb::stop, std::nullopt},
    {"UNSUBSCRIBE", verb::stop, std::nullopt},
    {"CANCEL", verb::stop, std::nullopt},
    {"END", verb::stop, std::nullopt},
    {"QUIT", verb::stop, std::nullopt},
    {" quit\n", verb::stop, std::nullopt},
    {"start", verb::start, std::nullopt},
    {"YES", verb::start, std::nullopt},
    {"UNSTOP", verb::start, std::nullopt},
    {"HELP", verb::help, std::nullopt},
    {"info", verb::help, std::nullopt},
    {"please stop", verb::unknown, std::nullopt},
    {"stop 12", verb::unknown, std::nullopt},
    {"stop!", verb::unknown, std::nullopt},
    {"don't stop", verb::unknown, std::nullopt},
    {"stopped", verb::unknown, std::nullopt},
    {"help 12", verb::unknown, std::nullopt},
  });
}

TEST(SmsReply, NumberWithoutValidLetterAsksForHelp) {
  check_cases({
    {"12", verb::help, 12},
    {"12x", verb::help, 12},
    {"12aa", verb::help, 12},
    {"12 please", verb::help, 12},
    {"12#", verb::help, 12},
    {"12a.", verb::help, 12},
  });
}

TEST(SmsReply, UnrecognizedBodiesAreUnknown) {
  check_cases({
    {"", verb::unknown, std::nullopt},
    {"   \n", verb::unknown, std::nullopt},
    {"''", verb::unknown, std::nullopt},
    {"hello", verb::unknown, std::nullopt},
    {"1234567890a", verb::unknown, std::nullopt},
    {"ack 1234567890", verb::unknown, std::nullopt},
    {"99999999999999999999a", verb::unknown, std::nullopt},
    {"ack#", verb::unknown, std::nullopt},
    {"ack 12 please", verb::unknown, std::nullopt},
    {"ack 12a", verb::unknown, std::nullopt},
    {"#12a", verb::unknown, std::nullopt},
    {"a-12", verb::unknown, std::nullopt},
    {"x12", verb::unknown, std::nullopt},
    {"\xEF\xBC\xB3\xEF\xBC\xB4\xEF\xBC\xAF\xEF\xBC\xB0", verb::unknown, std::nullopt},
    {"s\xC3\xB8k", verb::unknown, std::nullopt},
  });
}

TEST(SmsReply, HelpTextFitsOneSegment) {
  auto text = help_text();
  EXPECT_EQ(text,
            "Reply with the code from the page and a letter: 12a to "
            "acknowledge, 12c to resolve, 12e to escalate. ack alone acts on "
            "your latest page. STOP ends texts.");
  EXPECT_LE(text.size(), 160u);
  for (char c : text) {
    EXPECT_GE(c, 0x20) << "control or non-ASCII byte in help text";
    EXPECT_LT(c, 0x7F) << "DEL in help text";
  }
}

} // namespace
