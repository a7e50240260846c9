#include "domain/ingest/json_fields.hpp"

#include "domain/ingest/timestamp.hpp"

#include <utility>

namespace tropos::ingest::detail {

namespace {

/// Returns the deepest nesting of arrays and objects in `text`, stopping
/// early once it exceeds `max_json_depth`. Brackets inside strings do not
/// count. The text need not be valid JSON.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
      if (depth > deepest)
        deepest = depth;
      if (deepest > max_json_depth)
        return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Returns a JSON type name as used in error messages ("an array").
std::string_view describe_type(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

} // namespace

caf::error invalid_field(std::string_view path, std::string_view problem) {
  std::string detail{path};
  detail += ": ";
  detail += problem;
  return make_error(ec::invalid_argument, std::move(detail));
}

caf::expected<nlohmann::json> parse_json_object(std::string_view body) {
  if (nesting_depth(body) > max_json_depth)
    return make_error(ec::parse_error,
                      "body: JSON nested deeper than "
                        + std::to_string(max_json_depth) + " levels");

  // nlohmann::json reports syntax errors only by exception, and this is the
  // one place that catches it.
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& err) {
    return make_error(ec::parse_error, "body: invalid JSON at byte "
                                         + std::to_string(err.byte));
  } catch (const nlohmann::json::exception& err) {
    // A number too large for a double is out_of_range, not parse_error.
    return make_error(ec::parse_error,
                      std::string{"body: invalid JSON: "} + err.what());
  }

  if (!root.is_object())
    return invalid_field("body", std::string{"must be a JSON object, not "}
                                   + std::string{describe_type(root)});
  return root;
}

std::string field_path(std::string_view parent, std::string_view key) {
  std::string path{parent};
  if (!path.empty())
    path += '.';
  path += key;
  return path;
}

std::string element_path(std::string_view parent, std::size_t index) {
  std::string path{parent};
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

const nlohmann::json* find_field(const nlohmann::json& object,
                                 std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return nullptr;
  return &*it;
}

caf::expected<std::optional<std::string>>
read_optional_string(const nlohmann::json& object, std::string_view key,
                     std::string_view parent_path) {
  const auto* value = find_field(object, key);
  if (value == nullptr)
    return std::optional<std::string>{};
  if (!value->is_string())
    return invalid_field(field_path(parent_path, key),
                         std::string{"must be a string, not "}
                           + std::string{describe_type(*value)});
  return std::optional<std::string>{value->get<std::string>()};
}

caf::expected<std::string> read_required_string(const nlohmann::json& object,
                                                std::string_view key,
                                                std::string_view parent_path) {
  auto value = read_optional_string(object, key, parent_path);
  if (!value)
    return std::move(value.error());
  if (!*value)
    return invalid_field(field_path(parent_path, key), "missing");
  return std::move(**value);
}

caf::error read_string_map(const nlohmann::json& object, std::string_view key,
                           std::string_view parent_path,
                           std::map<std::string, std::string>& out) {
  out.clear();
  const auto* value = find_field(object, key);
  if (value == nullptr)
    return {};
  auto path = field_path(parent_path, key);
  if (!value->is_object())
    return invalid_field(path, std::string{"must be an object, not "}
                                 + std::string{describe_type(*value)});
  for (const auto& [name, entry] : value->items()) {
    if (!entry.is_string())
      return invalid_field(field_path(path, name),
                           std::string{"must be a string, not "}
                             + std::string{describe_type(entry)});
    out.emplace(name, entry.get<std::string>());
  }
  return {};
}

caf::expected<std::optional<date::sys_seconds>>
read_optional_timestamp(const nlohmann::json& object, std::string_view key,
                        std::string_view parent_path) {
  auto text = read_optional_string(object, key, parent_path);
  if (!text)
    return std::move(text.error());
  if (!*text || (*text)->empty())
    return std::optional<date::sys_seconds>{};
  auto instant = parse_timestamp(**text);
  if (!instant)
    return invalid_field(field_path(parent_path, key),
                         "invalid RFC 3339 timestamp");
  return instant;
}

std::size_t count_code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) {
    // Continuation bytes are 10xxxxxx, and every other byte starts a code
    // point.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++count;
  }
  return count;
}

} // namespace tropos::ingest::detail
