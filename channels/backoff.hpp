// Retry delays for outbound deliveries. The caller arms a timer with the
// result; nothing here sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace tropos::channels {

/// Computes the delay before retry number `attempt` (1 for the first retry)
/// with exponential growth and equal jitter: the delay lies in
/// [base * 2^(attempt-1), base * 2^attempt], so the first retry never comes
/// sooner than `base`. Once base * 2^attempt passes `cap`, the delay lies in
/// [cap / 2, cap]. A `retry_after` from the provider raises the delay to at
/// least that value, even above `cap`, up to a ceiling of 365 days.
/// `jitter_seed` supplies the randomness, so equal seeds give equal delays.
/// Attempt 0 is treated as 1.
std::chrono::milliseconds
backoff_delay(unsigned attempt, uint64_t jitter_seed,
              std::optional<std::chrono::seconds> retry_after = {},
              std::chrono::milliseconds base = std::chrono::seconds{1},
              std::chrono::milliseconds cap = std::chrono::minutes{5});

} // namespace tropos::channels
