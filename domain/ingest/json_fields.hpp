// Typed access to the fields of a parsed JSON webhook body, with errors that
// name the JSON path of the failing field ("alerts[1].status: missing").
// Only the integration parsers use it.
#pragma once

#include "domain/error.hpp"

#include <caf/expected.hpp>
#include <date/date.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tropos::ingest::detail {

/// Maximum nesting depth of arrays and objects in a webhook body. The JSON
/// library serializes and compares values recursively, so a deeper body
/// could overflow the stack.
inline constexpr std::size_t max_json_depth = 64;

/// Parses `body` as one JSON object. Malformed JSON, or JSON nested deeper
/// than `max_json_depth`, gives `ec::parse_error`. A valid value that is
/// not an object gives `ec::invalid_argument`. Whitespace around it is
/// allowed.
caf::expected<nlohmann::json> parse_json_object(std::string_view body);

/// Returns `parent.key`, or `key` when `parent` is empty.
std::string field_path(std::string_view parent, std::string_view key);

/// Returns `parent[index]`.
std::string element_path(std::string_view parent, std::size_t index);

/// Returns the member `key` of `object`, or nullptr when it is absent or
/// null: senders written in Go emit null for unset maps and slices.
const nlohmann::json* find_field(const nlohmann::json& object,
                                 std::string_view key);

/// Reads an optional string member. Absent or null gives nullopt.
caf::expected<std::optional<std::string>>
read_optional_string(const nlohmann::json& object, std::string_view key,
                     std::string_view parent_path);

/// Reads a string member that must be present (null counts as missing).
caf::expected<std::string> read_required_string(const nlohmann::json& object,
                                                std::string_view key,
                                                std::string_view parent_path);

/// Reads an optional object whose values are all strings into `out`.
/// Absent or null leaves `out` empty.
caf::error read_string_map(const nlohmann::json& object, std::string_view key,
                           std::string_view parent_path,
                           std::map<std::string, std::string>& out);

/// Reads an optional RFC 3339 timestamp string (see `parse_timestamp`).
/// Absent, null or an empty string gives nullopt.
caf::expected<std::optional<date::sys_seconds>>
read_optional_timestamp(const nlohmann::json& object, std::string_view key,
                        std::string_view parent_path);

/// Returns the number of Unicode code points in valid UTF-8 text.
std::size_t count_code_points(std::string_view utf8);

/// Returns an error "<path>: <problem>" with code `ec::invalid_argument`.
caf::error invalid_field(std::string_view path, std::string_view problem);

} // namespace tropos::ingest::detail
