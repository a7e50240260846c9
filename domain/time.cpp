#include "domain/time.hpp"

#include "domain/error.hpp"

#include <date/date.h>

#include <charconv>
#include <cstdio>

namespace tropos {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `pos`, advancing it.
bool read_digits(std::string_view text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size())
    return false;
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!is_digit(c))
      return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  out = value;
  return true;
}

bool expect_char(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c)
    return false;
  ++pos;
  return true;
}

caf::error invalid_timestamp(std::string_view text) {
  return make_error(ec::invalid_argument,
                    "invalid RFC 3339 timestamp \"" + std::string{text}
                      + "\" (expected e.g. 2024-11-04T09:00:00Z)");
}

} // namespace

caf::expected<instant> parse_rfc3339(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool ok = read_digits(text, pos, 4, year) && expect_char(text, pos, '-')
            && read_digits(text, pos, 2, month) && expect_char(text, pos, '-')
            && read_digits(text, pos, 2, day);
  if (!ok || pos >= text.size()
      || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return invalid_timestamp(text);
  ++pos;
  ok = read_digits(text, pos, 2, hour) && expect_char(text, pos, ':')
       && read_digits(text, pos, 2, minute) && expect_char(text, pos, ':')
       && read_digits(text, pos, 2, second);
  if (!ok)
    return invalid_timestamp(text);

  // Fractional seconds: keep milliseconds, drop finer digits.
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (digits < 3)
        millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0)
      return invalid_timestamp(text);
    for (size_t i = digits; i < 3; ++i)
      millis *= 10;
  }

  // Zone designator: Z or +hh:mm / -hh:mm.
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh) || !expect_char(text, pos, ':')
        || !read_digits(text, pos, 2, om) || oh > 23 || om > 59)
      return invalid_timestamp(text);
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return invalid_timestamp(text);
  }
  if (pos != text.size())
    return invalid_timestamp(text);

  auto ymd = date::year{year} / month / day;
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60)
    return invalid_timestamp(text);
  auto local = date::sys_days{ymd} + std::chrono::hours{hour}
               + std::chrono::minutes{minute} + std::chrono::seconds{second}
               + std::chrono::milliseconds{millis};
  return instant{local - std::chrono::minutes{offset_minutes}};
}

std::string format_rfc3339(instant t) {
  auto ms = t.time_since_epoch().count() % 1000;
  if (ms < 0)
    ms += 1000;
  if (ms == 0)
    return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
  return date::format("%FT%TZ", t);
}

caf::expected<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto invalid = [&] {
    return make_error(ec::invalid_argument,
                      "invalid duration \"" + std::string{text}
                        + "\" (expected a number with a unit: ms, s, m, h or d, "
                          "e.g. \"5m\")");
  };
  size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits]))
    ++digits;
  if (digits == 0 || digits > 12)
    return invalid();
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + digits, value);
  auto unit = text.substr(digits);
  using namespace std::chrono;
  if (unit == "ms")
    return milliseconds{value};
  if (unit == "s")
    return duration_cast<milliseconds>(seconds{value});
  if (unit == "m")
    return duration_cast<milliseconds>(minutes{value});
  if (unit == "h")
    return duration_cast<milliseconds>(hours{value});
  if (unit == "d")
    return duration_cast<milliseconds>(hours{24 * value});
  return invalid();
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  struct unit {
    int64_t size;
    const char* suffix;
  };
  for (auto u : {unit{86'400'000, "d"}, unit{3'600'000, "h"},
                 unit{60'000, "m"}, unit{1000, "s"}})
    if (ms != 0 && ms % u.size == 0)
      return std::to_string(ms / u.size) + u.suffix;
  if (ms == 0)
    return "0s";
  return std::to_string(ms) + "ms";
}

instant system_clock::now() const noexcept {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(
    std::chrono::system_clock::now());
}

bool system_clock::is_manual() const noexcept {
  return false;
}

manual_clock::manual_clock(instant start)
  : millis_(start.time_since_epoch().count()) {
}

instant manual_clock::now() const noexcept {
  return instant{std::chrono::milliseconds{millis_.load()}};
}

bool manual_clock::is_manual() const noexcept {
  return true;
}

void manual_clock::set(instant t) noexcept {
  millis_.store(t.time_since_epoch().count());
}

} // namespace tropos
