#include "channels/backoff.hpp"

#include <algorithm>

namespace tropos::channels {

namespace {

// SplitMix64 finalizer: spreads seeds that differ in few bits (such as
// consecutive counters) over the whole 64-bit range.
uint64_t mix(uint64_t seed) noexcept {
  seed += 0x9E3779B97F4A7C15ULL;
  seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
  seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
  return seed ^ (seed >> 31);
}

} // namespace

std::chrono::milliseconds
backoff_delay(unsigned attempt, uint64_t jitter_seed,
              std::optional<std::chrono::seconds> retry_after,
              std::chrono::milliseconds base, std::chrono::milliseconds cap) {
  using std::chrono::milliseconds;
  int64_t base_ms = std::max<int64_t>(base.count(), 0);
  int64_t cap_ms = std::max<int64_t>(cap.count(), 0);

  // The upper end doubles per attempt. Doubling stops once it passes the
  // cap, which also keeps the shift from overflowing.
  int64_t upper = std::min(base_ms, cap_ms);
  for (unsigned i = 0; i < std::max(attempt, 1u) && upper < cap_ms; ++i)
    upper *= 2;
  upper = std::min(upper, cap_ms);

  // Equal jitter: half of the window is fixed and the other half random.
  int64_t half = upper / 2;
  int64_t span = upper - half;
  auto random = mix(jitter_seed) % static_cast<uint64_t>(span + 1);
  milliseconds delay{half + static_cast<int64_t>(random)};

  // The ceiling keeps the conversion to milliseconds from overflowing.
  if (retry_after) {
    auto wait = std::min<std::chrono::seconds>(*retry_after,
                                               std::chrono::hours{24 * 365});
    delay = std::max<milliseconds>(delay, wait);
  }
  return delay;
}

} // namespace tropos::channels
