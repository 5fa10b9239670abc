#include "services/jobs/retry_policy.h"

#include "absl/random/random.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk::jobs {
namespace {

TEST(RetryPolicyTest, CeilingDoublesFromTheBaseUpToTheCap) {
  RetryPolicy policy{absl::Seconds(1), absl::Seconds(20)};
  EXPECT_EQ(policy.Ceiling(1), absl::Seconds(1));
  EXPECT_EQ(policy.Ceiling(2), absl::Seconds(2));
  EXPECT_EQ(policy.Ceiling(3), absl::Seconds(4));
  EXPECT_EQ(policy.Ceiling(5), absl::Seconds(16));
  EXPECT_EQ(policy.Ceiling(6), absl::Seconds(20));
  EXPECT_EQ(policy.Ceiling(1'000'000), absl::Seconds(20));
}

TEST(RetryPolicyTest, DelaysAreFullJitterBelowTheCeiling) {
  RetryPolicy policy{absl::Seconds(1), absl::Minutes(5)};
  absl::BitGen bits;
  const absl::Duration ceiling = policy.Ceiling(4);  // 8 s
  absl::Duration lowest = absl::InfiniteDuration();
  absl::Duration highest = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration delay = policy.Delay(4, bits);
    ASSERT_GE(delay, absl::ZeroDuration());
    ASSERT_LE(delay, ceiling);
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  // Spread over the whole range, not clustered near the ceiling.
  EXPECT_LT(lowest, ceiling / 10);
  EXPECT_GT(highest, ceiling * 9 / 10);
}

}  // namespace
}  // namespace helpdesk::jobs
