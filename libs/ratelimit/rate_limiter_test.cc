#include "libs/ratelimit/rate_limiter.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::ratelimit {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::Optional;

constexpr absl::StatusCode kExhausted = absl::StatusCode::kResourceExhausted;

// 10 per 10 minutes: a burst of 10, then one per minute.
RateLimiter::Options TenPerTenMinutes() {
  return {.limit = {10, absl::Minutes(10)}};
}

TEST(RateLimiterTest, AllowsExactlyTheLimitThenRefuses) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(limiter.Acquire("alice"), IsOk()) << "event " << i;
  }
  EXPECT_THAT(limiter.Acquire("alice"), StatusIs(kExhausted));
}

TEST(RateLimiterTest, RefusalCarriesMessageAndRetryInfo) {
  ManualClock clock;
  RateLimiter limiter({.limit = {1, absl::Minutes(1)}}, &clock);
  ASSERT_THAT(limiter.Acquire("alice"), IsOk());

  absl::Status status = limiter.Acquire("alice", "slow down");
  EXPECT_THAT(status, StatusIs(kExhausted, "slow down"));
  EXPECT_THAT(GetRetryDelay(status), Optional(absl::Minutes(1)));
  EXPECT_THAT(limiter.Acquire("alice"),
              StatusIs(kExhausted, "too many requests; try again later"));
}

TEST(RateLimiterTest, RetryDelayIsExactAndAllowedAgainExactlyThen) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  for (int i = 0; i < 10; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());

  absl::Status refused = limiter.Acquire("alice");
  ASSERT_THAT(refused, StatusIs(kExhausted));
  ASSERT_THAT(GetRetryDelay(refused), Optional(absl::Minutes(1)));

  clock.Advance(absl::Minutes(1) - absl::Nanoseconds(1));
  refused = limiter.Acquire("alice");
  EXPECT_THAT(refused, StatusIs(kExhausted));
  EXPECT_THAT(GetRetryDelay(refused), Optional(absl::Nanoseconds(1)));

  clock.Advance(absl::Nanoseconds(1));
  EXPECT_THAT(limiter.Acquire("alice"), IsOk());
  EXPECT_THAT(GetRetryDelay(limiter.Acquire("alice")),
              Optional(absl::Minutes(1)));
}

TEST(RateLimiterTest, AfterTheBurstAllowsOnePerInterval) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  for (int i = 0; i < 10; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());

  // By P/N = 1 minute exactly one more event, not another burst.
  clock.Advance(absl::Minutes(1));
  EXPECT_THAT(limiter.Acquire("alice"), IsOk());
  EXPECT_THAT(limiter.Acquire("alice"), StatusIs(kExhausted));
  clock.Advance(absl::Minutes(1));
  EXPECT_THAT(limiter.Acquire("alice"), IsOk());
  EXPECT_THAT(limiter.Acquire("alice"), StatusIs(kExhausted));
}

TEST(RateLimiterTest, NoBurstAcrossTheWindowEdge) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  // The whole burst just before a fixed window would end...
  clock.Advance(absl::Minutes(10) - absl::Milliseconds(1));
  for (int i = 0; i < 10; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  // ...and just after it would reset: a fixed window would allow 10 more.
  clock.Advance(absl::Milliseconds(2));
  absl::Status refused = limiter.Acquire("alice");
  EXPECT_THAT(refused, StatusIs(kExhausted));
  EXPECT_THAT(GetRetryDelay(refused),
              Optional(absl::Minutes(1) - absl::Milliseconds(2)));
}

TEST(RateLimiterTest, GreedyClientNeverExceedsBurstPlusSustainedRate) {
  ManualClock clock;
  const absl::Time start = clock.Now();
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  std::vector<absl::Time> admitted;
  // Try every 7 seconds for three periods.
  for (absl::Duration t; t <= absl::Minutes(30); t += absl::Seconds(7)) {
    clock.Set(start + t);
    while (limiter.Acquire("alice").ok()) admitted.push_back(clock.Now());
  }
  // Any span of length L holds at most N + floor(L / (P/N)) events; in
  // particular at most N within one interval P/N.
  for (size_t i = 0; i < admitted.size(); ++i) {
    for (size_t j = i; j < admitted.size(); ++j) {
      const int64_t span_intervals =
          (admitted[j] - admitted[i]) / absl::Minutes(1);
      EXPECT_LE(static_cast<int64_t>(j - i + 1), 10 + span_intervals)
          << "events " << i << ".." << j;
    }
  }
  // The burst plus one per minute for 30 minutes, the last one possibly
  // missed by the 7s polling.
  EXPECT_GE(admitted.size(), 10u + 29u);
  EXPECT_LE(admitted.size(), 10u + 30u);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  for (int i = 0; i < 10; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  ASSERT_THAT(limiter.Acquire("alice"), StatusIs(kExhausted));

  for (int i = 0; i < 10; ++i) EXPECT_THAT(limiter.Acquire("bob"), IsOk());
  EXPECT_THAT(limiter.Acquire("bob"), StatusIs(kExhausted));
  EXPECT_EQ(limiter.key_count(), 2u);
}

TEST(RateLimiterTest, RefusalDoesNotConsumeBudget) {
  ManualClock clock;
  RateLimiter limiter(TenPerTenMinutes(), &clock);
  for (int i = 0; i < 10; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(limiter.Acquire("alice"), StatusIs(kExhausted));
  }
  // Still exactly one interval away, and allowed once then.
  EXPECT_THAT(GetRetryDelay(limiter.Acquire("alice")),
              Optional(absl::Minutes(1)));
  clock.Advance(absl::Minutes(1));
  EXPECT_THAT(limiter.Acquire("alice"), IsOk());
}

TEST(RateLimiterTest, CheckDoesNotRecord) {
  ManualClock clock;
  RateLimiter limiter({.limit = {2, absl::Minutes(1)}}, &clock);
  for (int i = 0; i < 5; ++i) EXPECT_THAT(limiter.Check("alice"), IsOk());
  EXPECT_EQ(limiter.key_count(), 0u);

  ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  EXPECT_THAT(limiter.Check("alice"), IsOk());
  ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  absl::Status refused = limiter.Check("alice");
  EXPECT_THAT(refused, StatusIs(kExhausted));
  EXPECT_THAT(GetRetryDelay(refused), Optional(absl::Seconds(30)));
}

TEST(RateLimiterTest, IntervalIsRoundedUpToWholeNanoseconds) {
  ManualClock clock;
  // 3 per second: T = 333333333.33...ns, rounded up.
  RateLimiter limiter({.limit = {3, absl::Seconds(1)}}, &clock);
  for (int i = 0; i < 3; ++i) ASSERT_THAT(limiter.Acquire("alice"), IsOk());
  absl::Status refused = limiter.Acquire("alice");
  EXPECT_THAT(GetRetryDelay(refused), Optional(absl::Nanoseconds(333333334)));
  clock.Advance(absl::Nanoseconds(333333334));
  EXPECT_THAT(limiter.Acquire("alice"), IsOk());
}

TEST(RateLimiterTest, KeyCountNeverExceedsMaxKeys) {
  ManualClock clock;
  RateLimiter limiter({.limit = {1, absl::Hours(1)}, .max_keys = 10}, &clock);
  for (int i = 0; i < 100; ++i) {
    // A full table never makes a call fail.
    EXPECT_THAT(limiter.Acquire(absl::StrCat("key", i)), IsOk());
    EXPECT_LE(limiter.key_count(), 10u);
    clock.Advance(absl::Seconds(1));
  }
}

TEST(RateLimiterTest, EvictsDecayedKeysFirst) {
  ManualClock clock;
  RateLimiter limiter({.limit = {2, absl::Minutes(1)}, .max_keys = 10}, &clock);
  // Nine keys that have fully decayed 30 seconds later...
  for (int i = 0; i < 9; ++i) {
    ASSERT_THAT(limiter.Acquire(absl::StrCat("old", i)), IsOk());
  }
  clock.Advance(absl::Seconds(30));
  // ...and one that is limited then, filling the table.
  ASSERT_THAT(limiter.Acquire("limited"), IsOk());
  ASSERT_THAT(limiter.Acquire("limited"), IsOk());
  ASSERT_THAT(limiter.Acquire("limited"), StatusIs(kExhausted));
  ASSERT_EQ(limiter.key_count(), 10u);

  for (int i = 0; i < 9; ++i) {
    ASSERT_THAT(limiter.Acquire(absl::StrCat("new", i)), IsOk());
    EXPECT_LE(limiter.key_count(), 10u);
  }
  EXPECT_EQ(limiter.key_count(), 10u);
  EXPECT_THAT(limiter.Acquire("limited"), StatusIs(kExhausted));
}

TEST(RateLimiterTest, EvictsLeastRestrictiveKeysWhenFull) {
  ManualClock clock;
  RateLimiter limiter({.limit = {1, absl::Hours(1)}, .max_keys = 10}, &clock);
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(limiter.Acquire(absl::StrCat("key", i)), IsOk());
    clock.Advance(absl::Seconds(1));
  }
  // All ten are limited; key0 is the closest to being allowed again.
  ASSERT_THAT(limiter.Acquire("key10"), IsOk());
  EXPECT_LE(limiter.key_count(), 10u);
  EXPECT_THAT(limiter.Check("key0"), IsOk());
  for (int i = 1; i <= 10; ++i) {
    EXPECT_THAT(limiter.Check(absl::StrCat("key", i)), StatusIs(kExhausted))
        << "key" << i;
  }
}

TEST(RateLimiterTest, EvictionFreesATenthOfTheTable) {
  ManualClock clock;
  RateLimiter limiter({.limit = {1, absl::Hours(1)}, .max_keys = 100}, &clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(limiter.Acquire(absl::StrCat("key", i)), IsOk());
  }
  ASSERT_EQ(limiter.key_count(), 100u);
  // No key has decayed, so the sweep drops the ten least restrictive.
  ASSERT_THAT(limiter.Acquire("one more"), IsOk());
  EXPECT_EQ(limiter.key_count(), 91u);
}

TEST(RateLimiterTest, DisabledLimiterAlwaysAllows) {
  ManualClock clock;
  RateLimiter limiter({.limit = {1, absl::Hours(1)}, .enabled = false}, &clock);
  for (int i = 0; i < 100; ++i) {
    EXPECT_THAT(limiter.Acquire("alice"), IsOk());
    EXPECT_THAT(limiter.Check("alice"), IsOk());
  }
  EXPECT_EQ(limiter.key_count(), 0u);
}

TEST(RateLimiterTest, ConcurrentAcquireNeverAdmitsMoreThanTheLimit) {
  ManualClock clock;
  RateLimiter limiter({.limit = {100, absl::Hours(1)}}, &clock);
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (limiter.Acquire("shared").ok()) {
          admitted.fetch_add(1);
        } else {
          refused.fetch_add(1);
        }
        // Other keys contend for the same table.
        (void)limiter.Acquire(absl::StrCat("own", i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 100);
  EXPECT_EQ(refused.load(), 8 * 50 - 100);
}

}  // namespace
}  // namespace helpdesk::ratelimit
