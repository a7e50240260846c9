#include "channels/utf8.hpp"

#include <gtest/gtest.h>

using namespace tropos::channels;

TEST(Utf8, DecodesEveryLength) {
  std::string text = "a\xC3\xA9\xE2\x80\x94\xF0\x9F\x9A\x80";
  std::size_t pos = 0;
  EXPECT_EQ(decode_next(text, pos), U'a');
  EXPECT_EQ(decode_next(text, pos), U'\u00E9');
  EXPECT_EQ(decode_next(text, pos), U'\u2014');
  EXPECT_EQ(decode_next(text, pos), U'\U0001F680');
  EXPECT_EQ(pos, text.size());
}

TEST(Utf8, ReplacesInvalidSequences) {
  // Overlong '/', a lone continuation byte, a UTF-16 surrogate and a
  // sequence cut short by the end of the text.
  EXPECT_EQ(repair_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repair_utf8("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(repair_utf8("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repair_utf8("ok\xE2\x80"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("caf\xC3\xA9"), 4u);
  EXPECT_EQ(count_code_points("\xF0\x9F\x9A\x80!"), 2u);
}

TEST(Utf8, CleansToOneLine) {
  EXPECT_EQ(clean_single_line("  a\r\nb\t\tc \x7F d\xE2\x80\xA8" "e  "),
            "a b c d e");
  EXPECT_EQ(clean_single_line("\r\n"), "");
  EXPECT_EQ(clean_single_line("caf\xC3\xA9 \xC2\x85 ok"), "caf\xC3\xA9 ok");
}
