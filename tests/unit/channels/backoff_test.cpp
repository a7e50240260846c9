#include "channels/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace tropos::channels;
using namespace std::chrono_literals;

TEST(Backoff, FirstRetryWaitsBetweenBaseAndTwiceBase) {
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    auto delay = backoff_delay(1, seed);
    ASSERT_GE(delay, 1000ms) << "seed " << seed;
    ASSERT_LE(delay, 2000ms) << "seed " << seed;
  }
}

TEST(Backoff, DoublesPerAttempt) {
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    auto delay = backoff_delay(3, seed);
    ASSERT_GE(delay, 4000ms) << "seed " << seed;
    ASSERT_LE(delay, 8000ms) << "seed " << seed;
  }
}

TEST(Backoff, StaysWithinCapForLateAttempts) {
  for (unsigned attempt : {9u, 30u, 64u, 1000u, 4000000000u}) {
    auto delay = backoff_delay(attempt, 12345);
    EXPECT_GE(delay, 150s) << "attempt " << attempt;
    EXPECT_LE(delay, 5min) << "attempt " << attempt;
  }
}

TEST(Backoff, UsesGivenBaseAndCap) {
  auto delay = backoff_delay(2, 7, std::nullopt, 100ms, 250ms);
  EXPECT_GE(delay, 125ms);
  EXPECT_LE(delay, 250ms);
}

TEST(Backoff, NeverShorterThanRetryAfter) {
  EXPECT_EQ(backoff_delay(1, 99, 30s), 30000ms);
  // Retry-After wins over the cap as well.
  EXPECT_EQ(backoff_delay(1, 99, 10min), 600000ms);
  // A Retry-After shorter than the backoff does not shorten it.
  auto delay = backoff_delay(5, 99, 1s);
  EXPECT_GE(delay, 16s);
}

TEST(Backoff, ClampsHugeRetryAfter) {
  auto delay = backoff_delay(1, 0, std::chrono::seconds::max());
  EXPECT_EQ(delay, std::chrono::milliseconds{std::chrono::hours{24 * 365}});
}

TEST(Backoff, SameSeedGivesSameDelay) {
  EXPECT_EQ(backoff_delay(4, 42), backoff_delay(4, 42));
  std::set<int64_t> distinct;
  for (uint64_t seed = 0; seed < 100; ++seed)
    distinct.insert(backoff_delay(4, seed).count());
  EXPECT_GT(distinct.size(), 50u);
}

TEST(Backoff, TreatsAttemptZeroAsFirstRetry) {
  EXPECT_EQ(backoff_delay(0, 5), backoff_delay(1, 5));
}
