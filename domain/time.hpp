// Instants, durations and the injectable clock every deadline reads.
#pragma once

#include <caf/expected.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace tropos {

/// An instant with millisecond resolution, the unit stored and compared
/// everywhere in the daemon.
using instant = std::chrono::sys_time<std::chrono::milliseconds>;

/// Parses an RFC 3339 timestamp such as "2024-11-04T09:00:00-06:00" or
/// "2025-04-10T10:00:00.123456789Z". Digits past milliseconds are dropped.
caf::expected<instant> parse_rfc3339(std::string_view text);

/// Formats an instant as RFC 3339 in UTC with millisecond precision when
/// the instant has a fraction, e.g. "2024-11-04T15:00:00Z".
std::string format_rfc3339(instant t);

/// Parses a duration with a unit: "30s", "5m", "1h", "7d", "250ms", also
/// "0s". The number must be a non-negative integer.
caf::expected<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Formats a duration in the largest unit that divides it: "90s", "5m".
std::string format_duration(std::chrono::milliseconds d);

/// The time source of the daemon. Production reads the system clock; test
/// builds can use a manual clock that moves only through set().
class clock {
public:
  virtual ~clock() = default;

  /// Returns the current instant. Safe to call from any thread.
  virtual instant now() const noexcept = 0;

  /// Returns true when time moves only through set().
  virtual bool is_manual() const noexcept = 0;
};

/// Reads std::chrono::system_clock.
class system_clock final : public clock {
public:
  instant now() const noexcept override;
  bool is_manual() const noexcept override;
};

/// A clock that is fixed until set() moves it. Thread-safe.
class manual_clock final : public clock {
public:
  explicit manual_clock(instant start);
  instant now() const noexcept override;
  bool is_manual() const noexcept override;

  /// Moves the clock; the timer service fires what is due afterwards.
  void set(instant t) noexcept;

private:
  std::atomic<int64_t> millis_;
};

} // namespace tropos
