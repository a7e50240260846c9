#include "auth/hmac.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace tropos::auth;

template <std::size_t Size>
std::string hex_of(const std::optional<std::array<unsigned char, Size>>& digest) {
  EXPECT_TRUE(digest.has_value());
  if (!digest)
    return {};
  return hex_encode(digest->data(), digest->size());
}

TEST(Hmac, Sha1MatchesRfc2202) {
  // RFC 2202, test case 2.
  EXPECT_EQ(hex_of(hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Hmac, Sha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hex_of(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hmac, EmptyKeyEqualsZeroByteKey) {
  // Expected value from `openssl dgst -sha256 -mac HMAC -macopt hexkey:00`.
  EXPECT_EQ(hex_of(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hmac, Base64IsPadded) {
  const unsigned char bytes[] = {'a', 'b', 'c', 'd'};
  EXPECT_EQ(base64_encode(bytes, 0), "");
  EXPECT_EQ(base64_encode(bytes, 1), "YQ==");
  EXPECT_EQ(base64_encode(bytes, 2), "YWI=");
  EXPECT_EQ(base64_encode(bytes, 3), "YWJj");
  EXPECT_EQ(base64_encode(bytes, 4), "YWJjZA==");
}

TEST(Hmac, HexIsLowercase) {
  const unsigned char bytes[] = {0x00, 0x0F, 0xA5, 0xFF};
  EXPECT_EQ(hex_encode(bytes, 4), "000fa5ff");
}

TEST(Hmac, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

} // namespace
