#include "channels/log_channel.hpp"

#include "domain/error.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sys/stat.h>

using namespace tropos;
using namespace tropos::channels;

namespace {

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream file{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);)
    lines.push_back(line);
  return lines;
}

date::sys_seconds noon_july_first() {
  using namespace date;
  return sys_days{2025_y / July / 1} + std::chrono::hours{12};
}

} // namespace

TEST(OutboxFile, AppendsOneMaskedJsonLinePerMessage) {
  test::temp_dir dir;
  auto path = dir / "outbox.jsonl";
  auto outbox = outbox_file::open(path);
  ASSERT_TRUE(outbox) << describe(outbox.error());

  auto err = (*outbox)->append({"sms", "+15005550006", "",
                                "Tropos: Alert #345: Disk full."},
                               noon_july_first());
  ASSERT_FALSE(err) << describe(err);
  err = (*outbox)->append({"email", "ava@example.test", "Disk\r\nfull",
                           "line one\nline two"},
                          noon_july_first());
  ASSERT_FALSE(err) << describe(err);

  // Each line is complete as soon as append returns.
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first.at("time"), "2025-07-01T12:00:00Z");
  EXPECT_EQ(first.at("channel"), "sms");
  EXPECT_EQ(first.at("to"), "+*******0006");
  EXPECT_EQ(first.at("body"), "Tropos: Alert #345: Disk full.");
  auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second.at("to"), "a***@example.test");
  EXPECT_EQ(second.at("subject"), "Disk\r\nfull");
  EXPECT_EQ(second.at("body"), "line one\nline two");
  EXPECT_EQ(lines[0].find("5005550006"), std::string::npos);
}

TEST(OutboxFile, KeepsExistingLinesAndCreatesPrivateFile) {
  test::temp_dir dir;
  auto path = dir / "outbox.jsonl";
  for (int round = 0; round < 2; ++round) {
    auto outbox = outbox_file::open(path);
    ASSERT_TRUE(outbox) << describe(outbox.error());
    ASSERT_FALSE((*outbox)->append({"sms", "+1", "", "x"}, noon_july_first()));
  }
  EXPECT_EQ(read_lines(path).size(), 2u);

  struct stat info{};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(OutboxFile, ReplacesInvalidUtf8) {
  test::temp_dir dir;
  auto outbox = outbox_file::open(dir / "outbox.jsonl");
  ASSERT_TRUE(outbox);
  ASSERT_FALSE((*outbox)->append({"sms", "+1", "", "bad \xFF"},
                                 noon_july_first()));
  auto line = nlohmann::json::parse(read_lines(dir / "outbox.jsonl").at(0));
  EXPECT_EQ(line.at("body"), "bad \xEF\xBF\xBD");
}

TEST(OutboxFile, FailsWithIoErrorForMissingDirectory) {
  test::temp_dir dir;
  auto outbox = outbox_file::open(dir / "missing" / "outbox.jsonl");
  ASSERT_FALSE(outbox);
  EXPECT_EQ(code_of(outbox.error()), ec::io_error);
  EXPECT_NE(detail_of(outbox.error()).find("missing/outbox.jsonl"),
            std::string::npos);
}
