// Helpers shared by the storage tests: a fresh temporary directory per test
// and environments opened on real LMDB files inside it.
#pragma once

#include "domain/error.hpp"
#include "storage/environment.hpp"
#include "storage/sealer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace tropos::storage::testing {

/// A new directory under the system temporary directory, removed with
/// everything in it when the object goes out of scope.
class temp_dir {
public:
  temp_dir() {
    std::random_device device;
    std::uniform_int_distribution<uint64_t> digits;
    char suffix[17];
    std::snprintf(suffix, sizeof(suffix), "%016llx",
                  static_cast<unsigned long long>(digits(device)));
    path_ = std::filesystem::temp_directory_path()
            / (std::string{"tropos-storage-"} + suffix);
    std::filesystem::create_directory(path_);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const {
    return path_;
  }

  /// Returns the path of `name` inside the directory.
  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

private:
  std::filesystem::path path_;
};

/// Returns a 32-byte key whose bytes are `fill`, `fill + 1`, ...
inline std::array<uint8_t, sealer::key_size> test_key(uint8_t fill) {
  std::array<uint8_t, sealer::key_size> key{};
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<uint8_t>(fill + i);
  return key;
}

/// Opens an environment sealed with `test_key(fill)`.
inline caf::expected<environment> open_test_env(const options& opts,
                                                uint8_t fill = 1) {
  auto values = sealer::from_key(test_key(fill));
  if (!values)
    return values.error();
  return environment::open(opts, std::move(*values));
}

/// Returns options for a data directory inside `dir`.
inline options test_options(const temp_dir& dir) {
  options opts;
  opts.path = dir.file("data");
  // Tests make many environments, and a small initial map keeps them cheap.
  opts.map_size = size_t{16} << 20;
  return opts;
}

/// Reads a whole file as bytes.
inline std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace tropos::storage::testing
