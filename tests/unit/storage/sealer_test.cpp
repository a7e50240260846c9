#include "storage/sealer.hpp"

#include "storage_test_support.hpp"

#include <sys/stat.h>

#include <fstream>
#include <set>

namespace tropos::storage {
namespace {

using testing::temp_dir;
using testing::test_key;

sealer make_sealer(uint8_t fill) {
  auto result = sealer::from_key(test_key(fill));
  if (!result) {
    ADD_FAILURE() << describe(result.error());
    std::abort();
  }
  return std::move(*result);
}

void write_file(const std::string& path, const std::string& content,
                mode_t mode) {
  {
    std::ofstream out{path, std::ios::binary};
    out << content;
  }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

std::string hex_of(const std::array<uint8_t, sealer::key_size>& key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto byte : key) {
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
  }
  return out;
}

TEST(Sealer, SealOpenRoundTrip) {
  auto values = make_sealer(1);
  auto sealed = values.seal("+15550001234", "contacts:alice");
  auto opened = values.open(sealed, "contacts:alice");
  ASSERT_TRUE(opened) << describe(opened.error());
  EXPECT_EQ(*opened, "+15550001234");
}

TEST(Sealer, EmptyPlaintextRoundTrips) {
  auto values = make_sealer(1);
  auto sealed = values.seal("", "ad");
  EXPECT_EQ(sealed.size(), sealer::overhead);
  auto opened = values.open(sealed, "ad");
  ASSERT_TRUE(opened) << describe(opened.error());
  EXPECT_EQ(*opened, "");
}

TEST(Sealer, SealedLayoutHasVersionNonceAndTag) {
  auto values = make_sealer(1);
  auto first = values.seal("hello", "ad");
  auto second = values.seal("hello", "ad");
  ASSERT_EQ(first.size(), 1 + 24 + 5 + 16);
  EXPECT_EQ(static_cast<uint8_t>(first[0]), 1);
  // A fresh random nonce makes two seals of one plaintext differ.
  EXPECT_NE(first.substr(1, 24), second.substr(1, 24));
  EXPECT_NE(first, second);
  EXPECT_EQ(first.find("hello"), std::string::npos);
}

TEST(Sealer, EveryFlippedByteFailsToOpen) {
  auto values = make_sealer(1);
  auto sealed = values.seal("pager duty", "incidents:7");
  for (size_t i = 0; i < sealed.size(); ++i) {
    auto tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto opened = values.open(tampered, "incidents:7");
    ASSERT_FALSE(opened) << "byte " << i << " flipped and still opened";
    EXPECT_EQ(code_of(opened.error()), ec::crypto_error) << "byte " << i;
  }
}

TEST(Sealer, TruncatedValueFailsToOpen) {
  auto values = make_sealer(1);
  auto sealed = values.seal("x", "ad");
  for (size_t size : {size_t{0}, size_t{1}, sealer::overhead - 1,
                      sealed.size() - 1}) {
    auto opened = values.open(sealed.substr(0, size), "ad");
    ASSERT_FALSE(opened) << "size " << size;
    EXPECT_EQ(code_of(opened.error()), ec::crypto_error) << "size " << size;
  }
}

TEST(Sealer, ValueMovedToAnotherKeyFailsToOpen) {
  auto values = make_sealer(1);
  auto sealed = values.seal("alice", "contacts:1");
  auto opened = values.open(sealed, "contacts:2");
  ASSERT_FALSE(opened);
  EXPECT_EQ(code_of(opened.error()), ec::crypto_error);
}

TEST(Sealer, WrongKeyFailsToOpen) {
  auto first = make_sealer(1);
  auto second = make_sealer(2);
  auto sealed = first.seal("secret", "ad");
  auto opened = second.open(sealed, "ad");
  ASSERT_FALSE(opened);
  EXPECT_EQ(code_of(opened.error()), ec::crypto_error);
}

TEST(Sealer, FromKeyRejectsWrongLength) {
  std::array<uint8_t, 31> short_key{};
  auto result = sealer::from_key(short_key);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::invalid_argument);
}

TEST(Sealer, MovedSealerKeepsKey) {
  auto original = make_sealer(1);
  auto sealed = original.seal("v", "ad");
  sealer moved{std::move(original)};
  auto opened = moved.open(sealed, "ad");
  ASSERT_TRUE(opened) << describe(opened.error());
  EXPECT_EQ(*opened, "v");

  auto other = make_sealer(2);
  other = std::move(moved);
  opened = other.open(sealed, "ad");
  ASSERT_TRUE(opened) << describe(opened.error());
  EXPECT_EQ(*opened, "v");
}

TEST(Sealer, KeyFileWithMode0644IsRejected) {
  temp_dir dir;
  auto path = dir.file("key");
  write_file(path, hex_of(test_key(1)) + "\n", 0644);
  auto result = sealer::from_key_file(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::config_error);
  auto detail = detail_of(result.error());
  EXPECT_NE(detail.find(path), std::string::npos) << detail;
  EXPECT_NE(detail.find("0644"), std::string::npos) << detail;
  EXPECT_NE(detail.find("chmod 600"), std::string::npos) << detail;
}

TEST(Sealer, KeyFileReadableByGroupOnlyIsRejected) {
  temp_dir dir;
  auto path = dir.file("key");
  write_file(path, hex_of(test_key(1)), 0640);
  auto result = sealer::from_key_file(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::config_error);
}

TEST(Sealer, KeyFileInHexIsAccepted) {
  temp_dir dir;
  auto reference = make_sealer(1);
  auto sealed = reference.seal("value", "ad");
  for (const char* ending : {"", "\n"}) {
    auto path = dir.file(std::string{"key"} + (*ending ? "-newline" : ""));
    write_file(path, hex_of(test_key(1)) + ending, 0600);
    auto loaded = sealer::from_key_file(path);
    ASSERT_TRUE(loaded) << describe(loaded.error());
    auto opened = loaded->open(sealed, "ad");
    ASSERT_TRUE(opened) << "ending size " << std::strlen(ending);
    EXPECT_EQ(*opened, "value");
  }
}

TEST(Sealer, KeyFileInRawBytesIsAccepted) {
  temp_dir dir;
  auto path = dir.file("key");
  auto key = test_key(1);
  write_file(path, std::string(key.begin(), key.end()), 0400);
  auto loaded = sealer::from_key_file(path);
  ASSERT_TRUE(loaded) << describe(loaded.error());
  auto sealed = make_sealer(1).seal("value", "ad");
  auto opened = loaded->open(sealed, "ad");
  ASSERT_TRUE(opened) << describe(opened.error());
  EXPECT_EQ(*opened, "value");
}

TEST(Sealer, KeyFileOfWrongSizeIsRejected) {
  temp_dir dir;
  auto path = dir.file("key");
  auto hex = hex_of(test_key(1));
  for (const auto& content : {hex.substr(0, 63), hex + "\n\n", hex + "0",
                              std::string(33, 'a'), std::string{}}) {
    std::filesystem::remove(path);
    write_file(path, content, 0600);
    auto result = sealer::from_key_file(path);
    ASSERT_FALSE(result) << "accepted " << content.size() << " bytes";
    EXPECT_EQ(code_of(result.error()), ec::config_error);
  }
}

TEST(Sealer, KeyFileWithNonHexCharactersIsRejected) {
  temp_dir dir;
  auto path = dir.file("key");
  auto hex = hex_of(test_key(1));
  hex[10] = 'g';
  write_file(path, hex, 0600);
  auto result = sealer::from_key_file(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::config_error);
}

TEST(Sealer, MissingKeyFileIsIoError) {
  temp_dir dir;
  auto result = sealer::from_key_file(dir.file("absent"));
  ASSERT_FALSE(result);
  EXPECT_EQ(code_of(result.error()), ec::io_error);
  EXPECT_NE(detail_of(result.error()).find(dir.file("absent")),
            std::string::npos);
}

TEST(Sealer, CreateKeyFileWritesMode0600) {
  temp_dir dir;
  auto path = dir.file("key");
  auto err = create_key_file(path);
  ASSERT_FALSE(err) << describe(err);

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  auto content = testing::read_file(path);
  ASSERT_EQ(content.size(), 65u);
  EXPECT_EQ(content.back(), '\n');
  EXPECT_EQ(content.find_first_not_of("0123456789abcdef"), 64u);

  auto loaded = sealer::from_key_file(path);
  ASSERT_TRUE(loaded) << describe(loaded.error());
  auto sealed = loaded->seal("v", "ad");
  auto opened = loaded->open(sealed, "ad");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "v");
}

TEST(Sealer, CreateKeyFileKeepsExistingKey) {
  temp_dir dir;
  auto path = dir.file("key");
  ASSERT_FALSE(create_key_file(path));
  auto before = testing::read_file(path);
  auto err = create_key_file(path);
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), ec::io_error);
  EXPECT_EQ(testing::read_file(path), before);
}

TEST(Sealer, CreatedKeysDiffer) {
  temp_dir dir;
  ASSERT_FALSE(create_key_file(dir.file("a")));
  ASSERT_FALSE(create_key_file(dir.file("b")));
  EXPECT_NE(testing::read_file(dir.file("a")),
            testing::read_file(dir.file("b")));
}

TEST(Sealer, BlindIsDeterministic) {
  auto values = make_sealer(1);
  auto first = values.blind("+15550001234");
  EXPECT_EQ(first.size(), 16u);
  EXPECT_EQ(values.blind("+15550001234"), first);
  // Another sealer over the same key blinds the same way, so lookup keys
  // stay valid across restarts.
  EXPECT_EQ(make_sealer(1).blind("+15550001234"), first);
}

TEST(Sealer, BlindDiffersPerKeyAndValue) {
  auto values = make_sealer(1);
  std::set<std::string> seen{
    values.blind("+15550001234"),
    values.blind("+15550001235"),
    values.blind(""),
    make_sealer(2).blind("+15550001234"),
  };
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(values.blind("+15550001234").find("1555"), std::string::npos);
}

} // namespace
} // namespace tropos::storage
