#include "domain/form.hpp"

#include "domain/error.hpp"

namespace tropos {

namespace {

/// Returns the value of one hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Returns true when `text` is well-formed UTF-8: no overlong forms, no
/// surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        low = 0xA0; // overlong below U+0800
      if (lead == 0xED)
        high = 0x9F; // surrogates U+D800..U+DFFF
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        low = 0x90; // overlong below U+10000
      if (lead == 0xF4)
        high = 0x8F; // above U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length)
      return false;
    for (std::size_t k = 1; k < length; ++k) {
      auto byte = static_cast<unsigned char>(text[i + k]);
      unsigned char min = k == 1 ? low : 0x80;
      unsigned char max = k == 1 ? high : 0xBF;
      if (byte < min || byte > max)
        return false;
    }
    i += length;
  }
  return true;
}

/// Decodes one name or value. `offset` is its position in the body, which
/// the error message reports.
caf::expected<std::string> decode_component(std::string_view text,
                                            std::size_t offset) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
      continue;
    }
    if (c != '%') {
      out += c;
      continue;
    }
    int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0)
      return make_error(ec::parse_error,
                        "form: invalid percent-escape at byte "
                          + std::to_string(offset + i));
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  if (!is_valid_utf8(out))
    return make_error(ec::parse_error,
                      "form: invalid UTF-8 in the field at byte "
                        + std::to_string(offset));
  return out;
}

} // namespace

caf::expected<form_fields> parse_form(std::string_view body) {
  form_fields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    if (end == std::string_view::npos)
      end = body.size();
    auto field = body.substr(start, end - start);

    if (!field.empty()) {
      if (fields.size() == max_form_fields)
        return make_error(ec::too_large,
                          "form: more than " + std::to_string(max_form_fields)
                            + " fields");
      auto equals = field.find('=');
      auto raw_name = field.substr(0, equals);
      auto raw_value = equals == std::string_view::npos
                         ? std::string_view{}
                         : field.substr(equals + 1);
      auto name = decode_component(raw_name, start);
      if (!name)
        return std::move(name.error());
      auto value = decode_component(raw_value, start + raw_name.size() + 1);
      if (!value)
        return std::move(value.error());
      fields.emplace_back(std::move(*name), std::move(*value));
    }
    start = end + 1;
  }
  return fields;
}

std::string form_encode(const form_fields& fields) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  auto append_encoded = [](std::string& out, std::string_view text) {
    for (char c : text) {
      auto byte = static_cast<unsigned char>(c);
      bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                        || (c >= '0' && c <= '9') || c == '-' || c == '.'
                        || c == '_' || c == '~';
      if (unreserved) {
        out += c;
        continue;
      }
      out += '%';
      out += hex_digits[byte >> 4];
      out += hex_digits[byte & 0x0F];
    }
  };

  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty())
      out += '&';
    append_encoded(out, name);
    out += '=';
    append_encoded(out, value);
  }
  return out;
}

std::optional<std::string> form_value(const form_fields& fields,
                                      std::string_view name) {
  for (const auto& [field_name, value] : fields) {
    if (field_name == name)
      return value;
  }
  return std::nullopt;
}

} // namespace tropos
