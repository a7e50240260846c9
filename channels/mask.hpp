// Masking of contact addresses for logs, error details and the demo outbox,
// which must never show a full phone number or e-mail address.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tropos::channels {

namespace detail {

inline bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Copies `text` with bytes that could break a log line replaced by '?'.
inline std::string printable_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte >= 0x7F) ? '?' : c;
  }
  return out;
}

} // namespace detail

/// Masks a contact address for logging. A phone number keeps its '+' and
/// its last 4 digits, so "+15005550006" becomes "+*******0006". An e-mail
/// address keeps the first character of the local part and the domain, so
/// "ava@example.test" becomes "a***@example.test". Anything else becomes
/// "***" because its shape does not show which part is safe to keep.
inline std::string mask_address(std::string_view address) {
  if (auto at = address.rfind('@'); at != std::string_view::npos) {
    std::string out;
    if (at > 0)
      out += detail::printable_ascii(address.substr(0, 1));
    out += "***@";
    out += detail::printable_ascii(address.substr(at + 1));
    return out;
  }

  // Phone numbers: '+' and digits, optionally with the separators people
  // type. Only digits count towards the 4 that stay visible.
  std::size_t digits = 0;
  for (char c : address) {
    if (detail::is_digit(c))
      ++digits;
    else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')')
      return "***";
  }
  if (digits == 0)
    return "***";

  std::string out;
  if (!address.empty() && address.front() == '+')
    out += '+';
  std::size_t seen = 0;
  for (char c : address) {
    if (!detail::is_digit(c))
      continue;
    ++seen;
    out += (digits - seen < 4) ? c : '*';
  }
  return out;
}

/// Returns `text` with every run of 7 or more digits, with an optional
/// leading '+', masked as `mask_address` masks a phone number. Providers
/// echo the recipient's number in error messages, and those messages end up
/// in logs. Shorter runs stay, so 5-digit provider error codes remain
/// readable.
inline std::string mask_phone_numbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    if (text[pos] == '+')
      ++pos;
    std::size_t digits_begin = pos;
    while (pos < text.size() && detail::is_digit(text[pos]))
      ++pos;
    std::size_t digits = pos - digits_begin;
    if (digits >= 7) {
      out += mask_address(text.substr(start, pos - start));
    } else if (pos == start) {
      out += text[pos];
      ++pos;
    } else {
      out += text.substr(start, pos - start);
    }
  }
  return out;
}

} // namespace tropos::channels
