#include "conf/toml_reader.hpp"

#include "domain/time.hpp"

namespace tropos::conf {

toml_reader::toml_reader(const toml::table& table, std::string path)
  : table_(table), path_(std::move(path)) {
}

std::string toml_reader::path_of(std::string_view key) const {
  if (path_.empty())
    return std::string{key};
  return path_ + "." + std::string{key};
}

void toml_reader::fail(std::string_view key, std::string_view what) {
  if (!error_)
    error_ = make_error(ec::invalid_argument,
                        path_of(key) + ": " + std::string{what});
}

void toml_reader::fail(caf::error err) {
  if (!error_)
    error_ = std::move(err);
}

const toml::node* toml_reader::node(std::string_view key) {
  known_.emplace(key);
  return table_.get(key);
}

void toml_reader::get(std::string_view key, std::string& out, bool required) {
  auto* n = node(key);
  if (n == nullptr) {
    if (required)
      fail(key, "missing");
    return;
  }
  if (auto value = n->value<std::string>(); value && n->is_string())
    out = *value;
  else
    fail(key, "expected a string");
}

void toml_reader::get(std::string_view key, bool& out) {
  auto* n = node(key);
  if (n == nullptr)
    return;
  if (n->is_boolean())
    out = *n->value<bool>();
  else
    fail(key, "expected true or false");
}

void toml_reader::get(std::string_view key, unsigned& out, unsigned min,
                      unsigned max) {
  size_t value = out;
  get(key, value, min, max);
  out = static_cast<unsigned>(value);
}

void toml_reader::get(std::string_view key, std::size_t& out, std::size_t min,
                      std::size_t max) {
  auto* n = node(key);
  if (n == nullptr)
    return;
  if (!n->is_integer()) {
    fail(key, "expected an integer");
    return;
  }
  auto value = *n->value<int64_t>();
  if (value < static_cast<int64_t>(min) || value > static_cast<int64_t>(max)) {
    fail(key, "must be between " + std::to_string(min) + " and "
                + std::to_string(max));
    return;
  }
  out = static_cast<std::size_t>(value);
}

void toml_reader::get(std::string_view key, std::vector<std::string>& out,
                      bool required) {
  auto* n = node(key);
  if (n == nullptr) {
    if (required)
      fail(key, "missing");
    return;
  }
  auto* items = n->as_array();
  if (items == nullptr) {
    fail(key, "expected an array of strings");
    return;
  }
  out.clear();
  for (size_t i = 0; i < items->size(); ++i) {
    auto* item = items->get(i);
    if (!item->is_string()) {
      fail(std::string{key} + "[" + std::to_string(i) + "]",
           "expected a string");
      return;
    }
    out.push_back(*item->value<std::string>());
  }
}

void toml_reader::get_duration(std::string_view key,
                               std::chrono::milliseconds& out, bool required) {
  std::string text;
  get(key, text, required);
  if (text.empty() || !ok())
    return;
  auto parsed = parse_duration(text);
  if (!parsed) {
    fail(key, detail_of(parsed.error()));
    return;
  }
  out = *parsed;
}

const toml::table* toml_reader::table(std::string_view key) {
  auto* n = node(key);
  if (n == nullptr)
    return nullptr;
  if (!n->is_table()) {
    fail(key, "expected a table");
    return nullptr;
  }
  return n->as_table();
}

const toml::array* toml_reader::array(std::string_view key) {
  auto* n = node(key);
  if (n == nullptr)
    return nullptr;
  if (!n->is_array()) {
    fail(key, "expected an array");
    return nullptr;
  }
  return n->as_array();
}

caf::error toml_reader::finish() {
  if (error_)
    return error_;
  for (const auto& [key, value] : table_) {
    if (known_.count(key.str()) == 0) {
      fail(key.str(), "unknown key");
      break;
    }
  }
  return error_;
}

caf::expected<toml::table> parse_toml(std::string_view text,
                                      std::string_view source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& err) {
    const auto& where = err.source().begin;
    return make_error(ec::parse_error,
                      std::string{source} + ":" + std::to_string(where.line)
                        + ":" + std::to_string(where.column) + ": "
                        + std::string{err.description()});
  }
}

} // namespace tropos::conf
