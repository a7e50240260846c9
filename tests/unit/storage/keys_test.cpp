#include "storage/keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace tropos::storage {
namespace {

TEST(Keys, EncodeU64IsBigEndian) {
  EXPECT_EQ(encode_u64(0x0102030405060708),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(encode_u64(0), std::string(8, '\0'));
  EXPECT_EQ(encode_u64(255), std::string("\0\0\0\0\0\0\0\xff", 8));
}

TEST(Keys, DecodeU64RoundTrips) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{255},
                         uint64_t{256}, uint64_t{0x0102030405060708},
                         std::numeric_limits<uint64_t>::max()}) {
    auto decoded = decode_u64(encode_u64(value));
    ASSERT_TRUE(decoded) << value;
    EXPECT_EQ(*decoded, value);
  }
}

TEST(Keys, DecodeU64RejectsWrongLength) {
  EXPECT_FALSE(decode_u64(""));
  EXPECT_FALSE(decode_u64(std::string(7, '\0')));
  EXPECT_FALSE(decode_u64(std::string(9, '\0')));
}

TEST(Keys, EncodedIdsSortByValue) {
  auto seed = std::random_device{}();
  std::mt19937_64 random{seed};
  SCOPED_TRACE("seed " + std::to_string(seed));

  std::vector<uint64_t> values(1000);
  for (auto& value : values)
    value = random() >> (random() % 64);
  std::vector<std::string> keys;
  for (auto value : values)
    keys.push_back(encode_u64(value));

  std::sort(values.begin(), values.end());
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(*decode_u64(keys[i]), values[i]) << "index " << i;
}

TEST(Keys, JoinKeyUsesZeroSeparator) {
  EXPECT_EQ(join_key({"user", "alice"}), std::string("user\0alice", 10));
  EXPECT_EQ(join_key({"a", "b", "c"}), std::string("a\0b\0c", 5));
  EXPECT_EQ(join_key({"only"}), "only");
  EXPECT_EQ(join_key({"prefix", ""}), std::string("prefix\0", 7));
}

TEST(Keys, JoinedKeysOfOnePrefixSortTogether) {
  // The separator sorts below every other byte, so keys order by their
  // first part and then by the next.
  std::vector<std::string> keys{join_key({"a", "z"}), join_key({"ab", "a"}),
                                join_key({"a", "b"})};
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys[0], join_key({"a", "b"}));
  EXPECT_EQ(keys[1], join_key({"a", "z"}));
  EXPECT_EQ(keys[2], join_key({"ab", "a"}));
}

} // namespace
} // namespace tropos::storage
