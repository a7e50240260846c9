#include "domain/ingest/timestamp.hpp"

#include <chrono>
#include <cstddef>

namespace tropos::ingest {

namespace {

/// Reads exactly `count` ASCII digits at `pos` and advances past them.
std::optional<int> read_digits(std::string_view text, std::size_t& pos,
                               std::size_t count) {
  if (text.size() - pos < count)
    return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

/// Consumes `expected` at `pos` if it is there.
bool read_char(std::string_view text, std::size_t& pos, char expected) {
  if (pos >= text.size() || text[pos] != expected)
    return false;
  ++pos;
  return true;
}

/// Reads the zone designator (Z, +hh:mm or +hhmm) and returns its offset
/// east of UTC in minutes.
std::optional<int> read_offset_minutes(std::string_view text,
                                       std::size_t& pos) {
  if (pos >= text.size())
    return std::nullopt;
  char sign = text[pos++];
  if (sign == 'Z' || sign == 'z')
    return 0;
  if (sign != '+' && sign != '-')
    return std::nullopt;
  auto hours = read_digits(text, pos, 2);
  if (!hours)
    return std::nullopt;
  read_char(text, pos, ':');
  auto minutes = read_digits(text, pos, 2);
  if (!minutes || *hours > 23 || *minutes > 59)
    return std::nullopt;
  int offset = *hours * 60 + *minutes;
  return sign == '-' ? -offset : offset;
}

} // namespace

std::optional<date::sys_seconds> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;

  // Date part: yyyy-mm-dd, checked against the calendar.
  auto year = read_digits(text, pos, 4);
  if (!year || !read_char(text, pos, '-'))
    return std::nullopt;
  auto month = read_digits(text, pos, 2);
  if (!month || !read_char(text, pos, '-'))
    return std::nullopt;
  auto day = read_digits(text, pos, 2);
  if (!day)
    return std::nullopt;
  date::year_month_day ymd{date::year{*year},
                           date::month{static_cast<unsigned>(*month)},
                           date::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok())
    return std::nullopt;

  // Time part: Thh:mm:ss with an optional fraction of any length.
  if (!read_char(text, pos, 'T') && !read_char(text, pos, 't'))
    return std::nullopt;
  auto hour = read_digits(text, pos, 2);
  if (!hour || !read_char(text, pos, ':'))
    return std::nullopt;
  auto minute = read_digits(text, pos, 2);
  if (!minute || !read_char(text, pos, ':'))
    return std::nullopt;
  auto second = read_digits(text, pos, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  if (read_char(text, pos, '.')) {
    std::size_t first_digit = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
      ++pos;
    if (pos == first_digit)
      return std::nullopt;
  }

  // Zone designator, then nothing else.
  auto offset = read_offset_minutes(text, pos);
  if (!offset || pos != text.size())
    return std::nullopt;

  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  return date::sys_days{ymd} + hours{*hour} + minutes{*minute}
         + seconds{*second} - minutes{*offset};
}

bool is_go_zero_time(date::sys_seconds instant) {
  using namespace date::literals;
  return instant == date::sys_days{1_y / date::January / 1};
}

} // namespace tropos::ingest
