#include "channels/sms_text.hpp"

#include "channels/utf8.hpp"

#include <gtest/gtest.h>

using namespace tropos::channels;

namespace {

const std::string instructions = "Reply 12a to ack, 12c to close.";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size()
         && text.compare(text.size() - suffix.size(), suffix.size(), suffix)
              == 0;
}

} // namespace

TEST(RenderSms, NamesAppIncidentAndReplyCode) {
  EXPECT_EQ(render_sms("Tropos", 345, "Disk full on db-01", 12),
            "Tropos: Alert #345: Disk full on db-01. " + instructions);
}

TEST(RenderSms, CleansControlCharactersAndSpaces) {
  EXPECT_EQ(render_sms("Tropos", 345, "Disk\r\nfull\t\ton  db-01.  ", 12),
            "Tropos: Alert #345: Disk full on db-01. " + instructions);
}

TEST(RenderSms, HandlesEmptySummary) {
  EXPECT_EQ(render_sms("Tropos", 7, " \r\n ", 3),
            "Tropos: Alert #7. Reply 3a to ack, 3c to close.");
}

TEST(RenderSms, TruncatesLongAsciiSummaryToLimit) {
  auto body = render_sms("Tropos", 345, std::string(5000, 'x'), 12);

  // 20 characters of prefix, 31 of instructions and one space leave 1,548
  // for the summary: 1,545 'x' and the ellipsis. The body takes 1,600.
  std::string expected = "Tropos: Alert #345: " + std::string(1545, 'x')
                         + "... " + instructions;
  EXPECT_EQ(body, expected);
  EXPECT_EQ(count_code_points(body), 1600u);
}

TEST(RenderSms, TruncatesMultibyteSummaryAtCharacterBoundary) {
  // 5,000 characters mixing 2-, 3- and 4-byte UTF-8 sequences.
  std::string summary;
  for (int i = 0; i < 1250; ++i)
    summary += "a\xC3\xA9\xE2\x80\x94\xF0\x9F\x9A\x80";

  auto body = render_sms("Tropos", 345, summary, 12);

  EXPECT_EQ(repair_utf8(body), body) << "body is not valid UTF-8";
  EXPECT_LE(count_code_points(body), max_sms_length);
  EXPECT_LE(count_utf16_units(body), max_sms_length);
  EXPECT_GE(count_utf16_units(body), max_sms_length - 1);
  EXPECT_TRUE(ends_with(body, "... " + instructions)) << body;
}

TEST(RenderSms, KeepsReplyCodeWithHugeNumbers) {
  auto body = render_sms(std::string(500, 'A'), UINT64_MAX,
                         std::string(5000, 'y'), 4294967295u);
  EXPECT_LE(count_utf16_units(body), max_sms_length);
  EXPECT_TRUE(ends_with(body, "Reply 4294967295a to ack, 4294967295c to "
                              "close."))
    << body;
  EXPECT_NE(body.find("Alert #18446744073709551615: "), std::string::npos);
}

TEST(RenderSms, RepairsInvalidUtf8) {
  EXPECT_EQ(render_sms("Tropos", 1, "bad \xFF byte", 2),
            "Tropos: Alert #1: bad \xEF\xBF\xBD byte. Reply 2a to ack, 2c to "
            "close.");
}

TEST(RenderSmsReply, ConfirmsEachOutcome) {
  EXPECT_EQ(render_sms_reply(sms_reply::acknowledged, 345),
            "Acknowledged alert #345.");
  EXPECT_EQ(render_sms_reply(sms_reply::already_acknowledged, 345),
            "Alert #345 is already acknowledged.");
  EXPECT_EQ(render_sms_reply(sms_reply::closed, 345), "Closed alert #345.");
  EXPECT_EQ(render_sms_reply(sms_reply::already_closed, 345),
            "Alert #345 is already closed.");
  EXPECT_EQ(render_unknown_reply_code(13), "Unknown reply code 13.");
}

TEST(CountUtf16Units, CountsAstralCharactersTwice) {
  EXPECT_EQ(count_utf16_units("a\xC3\xA9\xE2\x80\x94\xF0\x9F\x9A\x80"), 5u);
}
