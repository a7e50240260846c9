#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The repository keeps copies of the reference files, so a clone can run
// its tests alone. The copies must not drift from the design folder when
// that folder is present.
TEST(Fixtures, MatchTheDesignCopies) {
  std::filesystem::path design{TROPOS_DESIGN_DIR};
  std::filesystem::path local{TROPOS_SHARED_DIR};
  if (!std::filesystem::exists(design / "examples"))
    GTEST_SKIP() << "no design folder at " << design;
  for (auto file : {"examples/troposd.toml", "examples/resources.toml",
                    "specs/twilio_api_v2010.json"})
    EXPECT_EQ(read_file(local / file), read_file(design / file)) << file;
}

} // namespace
