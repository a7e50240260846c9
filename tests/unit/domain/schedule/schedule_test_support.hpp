// Helpers shared by the schedule tests: RFC 3339 parsing and printing, so
// expectations read as instants and failures print them.
#pragma once

#include "domain/schedule/schedule.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::schedule::testing {

/// Parses "2024-11-04T15:00:00Z" or "2024-09-30T09:00:00-05:00". A parse
/// failure fails the calling test and returns the epoch.
inline sys_seconds at(std::string_view text) {
  std::istringstream in{std::string{text}};
  sys_seconds result{};
  if (text.ends_with('Z'))
    in >> date::parse("%FT%TZ", result);
  else
    in >> date::parse("%FT%T%Ez", result);
  if (in.fail())
    ADD_FAILURE() << "invalid RFC 3339 instant in test: " << text;
  return result;
}

/// Formats an instant as "2024-11-04T15:00:00Z".
inline std::string iso(sys_seconds t) {
  return date::format("%FT%TZ", t);
}

/// Formats an interval as "[start, end)".
inline std::string iso(const interval& span) {
  return "[" + iso(span.start) + ", " + iso(span.end) + ")";
}

/// Formats a shift as "ben [start, end)".
inline std::string describe(const shift& entry) {
  return entry.user + " " + iso(interval{entry.start, entry.end});
}

inline std::vector<std::string> describe(const std::vector<shift>& entries) {
  std::vector<std::string> result;
  for (const auto& entry : entries)
    result.push_back(describe(entry));
  return result;
}

inline std::vector<std::string> describe(const std::vector<interval>& spans) {
  std::vector<std::string> result;
  for (const auto& span : spans)
    result.push_back(iso(span));
  return result;
}

/// Looks up a zone that the test relies on and fails the test when missing.
inline const date::time_zone& zone(std::string_view name) {
  auto found = find_time_zone(name);
  if (!found) {
    ADD_FAILURE() << "time zone missing from the tz database: " << name;
    return *date::locate_zone("Etc/UTC");
  }
  return **found;
}

} // namespace tropos::schedule::testing
