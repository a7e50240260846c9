// A temporary directory that is removed with everything in it when the
// object goes away.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tropos::test {

/// A fresh directory under $TMPDIR (or /tmp), removed in the destructor.
class temp_dir {
public:
  explicit temp_dir(std::string prefix = "tropos-test") {
    auto base = std::filesystem::temp_directory_path();
    auto pattern = (base / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error{errno, std::generic_category(),
                              "mkdtemp " + pattern};
    path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

  std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

private:
  std::filesystem::path path_;
};

} // namespace tropos::test
