#include "libs/testing/wait_for.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk::testing {
namespace {

TEST(WaitForTest, ConditionThatHoldsReturnsAtOnce) {
  int calls = 0;
  EXPECT_TRUE(WaitFor([&] {
    ++calls;
    return true;
  }));
  EXPECT_EQ(calls, 1);
}

TEST(WaitForTest, ConditionIsPolledUntilItHolds) {
  int calls = 0;
  EXPECT_TRUE(WaitFor([&] { return ++calls == 3; }, absl::Seconds(30),
                      absl::Milliseconds(1)));
  EXPECT_EQ(calls, 3);
}

TEST(WaitForTest, ConditionSetByAnotherThreadIsSeen) {
  std::atomic<bool> done{false};
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(20));
    done = true;
  });
  EXPECT_TRUE(WaitFor([&] { return done.load(); }));
  setter.join();
}

TEST(WaitForTest, ConditionThatNeverHoldsIsFalseOnlyAfterTheTimeout) {
  int calls = 0;
  const absl::Time start = absl::Now();
  EXPECT_FALSE(WaitFor(
      [&] {
        ++calls;
        return false;
      },
      absl::Milliseconds(50), absl::Milliseconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_GE(calls, 2);  // the first check and the one at the deadline
}

TEST(WaitForTest, ZeroTimeoutChecksOnce) {
  int calls = 0;
  EXPECT_FALSE(WaitFor(
      [&] {
        ++calls;
        return false;
      },
      absl::ZeroDuration()));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace helpdesk::testing
