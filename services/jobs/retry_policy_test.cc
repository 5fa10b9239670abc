#include "services/jobs/retry_policy.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk::jobs {
namespace {

TEST(RetryPolicyTest, CeilingGrowsWithTheFourthPowerUpToTheCap) {
  RetryPolicy policy{absl::Seconds(1), absl::Hours(1)};
  EXPECT_EQ(policy.Ceiling(1), absl::Seconds(1));
  EXPECT_EQ(policy.Ceiling(2), absl::Seconds(16));
  EXPECT_EQ(policy.Ceiling(3), absl::Seconds(81));
  EXPECT_EQ(policy.Ceiling(7), absl::Seconds(2401));
  EXPECT_EQ(policy.Ceiling(8), absl::Hours(1));  // 4096 s, capped
  EXPECT_EQ(policy.Ceiling(1'000'000), absl::Hours(1));
}

TEST(RetryPolicyTest, DelaysAreEqualJitterBetweenHalfAndAllOfTheCeiling) {
  RetryPolicy policy;
  absl::BitGen bits;
  const absl::Duration ceiling = policy.Ceiling(4);  // 256 s
  absl::Duration lowest = absl::InfiniteDuration();
  absl::Duration highest = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration delay = policy.Delay(4, bits);
    ASSERT_GE(delay, ceiling / 2);
    ASSERT_LE(delay, ceiling);
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  // Spread over the whole range.
  EXPECT_LT(lowest, ceiling * 11 / 20);
  EXPECT_GT(highest, ceiling * 19 / 20);
}

// The shortest schedule the defaults can draw: every wait at its floor.
absl::Duration ShortestSchedule(const RetryPolicy& policy, int waits) {
  absl::Duration total;
  for (int n = 1; n <= waits; ++n) total += policy.Ceiling(n) / 2;
  return total;
}

TEST(RetryPolicyTest, DefaultAttemptsOutlastADayLongOutage) {
  RetryPolicy policy;
  // 25 attempts (the default) are 24 waits.
  EXPECT_GT(ShortestSchedule(policy, 24), absl::Hours(24 * 5));
  // A day of outage spends at most 15 of them.
  EXPECT_GT(ShortestSchedule(policy, 15), absl::Hours(24));
}

}  // namespace
}  // namespace helpdesk::jobs
