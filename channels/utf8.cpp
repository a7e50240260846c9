#include "channels/utf8.hpp"

namespace tropos::channels {

namespace {

bool is_continuation(unsigned char byte) noexcept {
  return (byte & 0xC0) == 0x80;
}

} // namespace

char32_t decode_next(std::string_view text, std::size_t& pos) noexcept {
  auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }

  // The lead byte gives the sequence length and the smallest code point that
  // length may encode, so overlong forms are rejected.
  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    minimum = 0x10000;
  } else {
    ++pos;
    return replacement_character;
  }
  if (text.size() - pos < length) {
    ++pos;
    return replacement_character;
  }

  for (std::size_t i = 1; i < length; ++i) {
    auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) {
      ++pos;
      return replacement_character;
    }
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < minimum || code_point > 0x10FFFF || surrogate) {
    ++pos;
    return replacement_character;
  }
  pos += length;
  return code_point;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size())
    append_utf8(out, decode_next(text, pos));
  return out;
}

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    decode_next(text, pos);
    ++count;
  }
  return count;
}

bool is_control(char32_t code_point) noexcept {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)
         || code_point == 0x2028 || code_point == 0x2029;
}

std::string clean_single_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t code_point = decode_next(text, pos);
    if (is_control(code_point) || code_point == U' ') {
      pending_space = true;
      continue;
    }
    // A space is written only between two visible characters, which both
    // collapses runs and trims the ends.
    if (pending_space && !out.empty())
      out += ' ';
    pending_space = false;
    append_utf8(out, code_point);
  }
  return out;
}

} // namespace tropos::channels
