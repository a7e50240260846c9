// Independent parsing of received e-mail for assertions: header lines,
// RFC 2047 encoded-words and base64, written apart from the code under test
// so a shared mistake cannot hide.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tropos::test {

/// Decodes base64, skipping line breaks and any other byte outside the
/// alphabet; padding ends nothing early.
inline std::string decode_base64(std::string_view text) {
  std::string out;
  uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '+')
      value = 62;
    else if (c == '/')
      value = 63;
    if (value < 0)
      continue;
    group = (group << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((group >> bits) & 0xFF);
    }
  }
  return out;
}

/// A message split into its header section and body.
struct parsed_message {
  /// The bytes before the empty line, without it.
  std::string header_section;
  /// Physical header lines, without their CRLF.
  std::vector<std::string> header_lines;
  /// Fields with continuation lines unfolded: (name, value without the
  /// space after the colon).
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;

  /// Returns every value of the fields named `name` (exact case-insensitive
  /// match).
  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : fields) {
      bool same = key.size() == name.size();
      for (std::size_t i = 0; same && i < key.size(); ++i)
        same = std::tolower(static_cast<unsigned char>(key[i]))
               == std::tolower(static_cast<unsigned char>(name[i]));
      if (same)
        out.push_back(value);
    }
    return out;
  }
};

/// Splits `raw` at the first CRLF CRLF. Lines that start with a space or tab
/// continue the previous field; unfolding removes only the CRLF.
inline parsed_message parse_message(const std::string& raw) {
  parsed_message message;
  auto end = raw.find("\r\n\r\n");
  message.header_section = raw.substr(0, end);
  if (end != std::string::npos)
    message.body = raw.substr(end + 4);

  std::size_t pos = 0;
  const auto& head = message.header_section;
  while (pos < head.size()) {
    auto line_end = head.find("\r\n", pos);
    if (line_end == std::string::npos)
      line_end = head.size();
    message.header_lines.push_back(head.substr(pos, line_end - pos));
    pos = line_end + 2;
  }

  for (const auto& line : message.header_lines) {
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && !message.fields.empty()) {
      message.fields.back().second += line;
      continue;
    }
    auto colon = line.find(':');
    auto value = colon == std::string::npos ? std::string{}
                                            : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ')
      value.erase(0, 1);
    message.fields.emplace_back(line.substr(0, colon), value);
  }
  return message;
}

/// Returns every "=?charset?encoding?text?=" token in `value`.
inline std::vector<std::string> encoded_words(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = value.find("=?", pos)) != std::string_view::npos) {
    auto first = value.find('?', pos + 2);
    auto second = first == std::string_view::npos
                    ? first
                    : value.find('?', first + 1);
    auto end = second == std::string_view::npos
                 ? second
                 : value.find("?=", second + 1);
    if (end == std::string_view::npos)
      break;
    out.emplace_back(value.substr(pos, end + 2 - pos));
    pos = end + 2;
  }
  return out;
}

/// Decodes an unstructured header value per RFC 2047: each UTF-8 "B"
/// encoded-word is replaced by its text, whitespace between two adjacent
/// encoded-words is dropped and other text is kept as it is. Encoded-words
/// in other charsets or the "Q" encoding are kept undecoded, which makes
/// assertions on the decoded text fail.
inline std::string decode_rfc2047(std::string_view value) {
  std::string out;
  std::string pending_space;
  bool after_word = false;
  std::size_t pos = 0;
  while (pos < value.size()) {
    bool starts_word = value.substr(pos, 10) == "=?UTF-8?B?"
                       || value.substr(pos, 10) == "=?utf-8?b?";
    auto end = starts_word ? value.find("?=", pos + 10)
                           : std::string_view::npos;
    if (starts_word && end != std::string_view::npos) {
      if (!after_word)
        out += pending_space;
      pending_space.clear();
      out += decode_base64(value.substr(pos + 10, end - pos - 10));
      after_word = true;
      pos = end + 2;
      continue;
    }
    if (value[pos] == ' ' || value[pos] == '\t') {
      pending_space += value[pos];
      ++pos;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += value[pos];
    after_word = false;
    ++pos;
  }
  out += pending_space;
  return out;
}

} // namespace tropos::test
