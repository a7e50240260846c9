// A strict reader over a toml++ table: typed getters that name the full key
// path in errors, and a final check that rejects keys nobody asked for.
#pragma once

#include "domain/error.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace tropos::conf {

class toml_reader {
public:
  toml_reader(const toml::table& table, std::string path);

  /// Each getter leaves `out` unchanged when the key is absent and records
  /// the first error; `required` turns absence into an error.
  void get(std::string_view key, std::string& out, bool required = false);
  void get(std::string_view key, bool& out);
  void get(std::string_view key, unsigned& out, unsigned min, unsigned max);
  void get(std::string_view key, std::size_t& out, std::size_t min,
           std::size_t max);
  void get(std::string_view key, std::vector<std::string>& out,
           bool required = false);
  void get_duration(std::string_view key, std::chrono::milliseconds& out,
                    bool required = false);

  /// Returns the nested table at `key`, or nullptr when absent.
  const toml::table* table(std::string_view key);

  /// Returns the array at `key`, or nullptr when absent.
  const toml::array* array(std::string_view key);

  /// Returns the path of this table, e.g. "schedules[0]".
  const std::string& path() const {
    return path_;
  }

  /// Returns `path.key` for messages.
  std::string path_of(std::string_view key) const;

  /// Records an error about `key` unless one is already recorded.
  void fail(std::string_view key, std::string_view what);

  /// Records an error that already carries its path.
  void fail(caf::error err);

  /// Returns the first error, after checking for unknown keys.
  caf::error finish();

  bool ok() const {
    return !error_;
  }

private:
  const toml::node* node(std::string_view key);

  const toml::table& table_;
  std::string path_;
  std::set<std::string, std::less<>> known_;
  caf::error error_;
};

/// Parses TOML text; the error carries the line and column.
caf::expected<toml::table> parse_toml(std::string_view text,
                                      std::string_view source);

} // namespace tropos::conf
