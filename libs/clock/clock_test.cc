#include "libs/clock/clock.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk {
namespace {

TEST(ManualClockTest, StandsStillUntilAdvanced) {
  ManualClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(220));
}

TEST(ManualClockTest, SetJumpsToTheGivenTime) {
  ManualClock clock;
  clock.Set(absl::FromUnixSeconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(5));
}

TEST(RealClockTest, FollowsTheSystemClock) {
  RealClock clock;
  absl::Time before = absl::Now();
  absl::Time now = clock.Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
}

}  // namespace
}  // namespace helpdesk
