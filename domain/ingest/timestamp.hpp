// Parsing of the timestamps that webhook senders put in their bodies.
#pragma once

#include <date/date.h>

#include <optional>
#include <string_view>

namespace tropos::ingest {

/// Parses an RFC 3339 date-time such as `2025-04-10T10:00:00.123456789Z` or
/// `2025-04-10T12:00:00+02:00` and returns the instant, with any fraction of
/// a second dropped (rounded down). Also accepts offsets without a colon
/// (`+0000`), as PagerDuty's documentation examples use them. Returns
/// nullopt for anything else, including a second of 60 (a leap second).
std::optional<date::sys_seconds> parse_timestamp(std::string_view text);

/// Returns true for Go's zero time, `0001-01-01T00:00:00Z`, which
/// Alertmanager sends in `endsAt` to mean "not set".
bool is_go_zero_time(date::sys_seconds instant);

} // namespace tropos::ingest
