#include "libs/concurrency/periodic_task.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk {
namespace {

TEST(PeriodicTaskTest, RunsRepeatedlyUntilStopped) {
  std::atomic<int> runs{0};
  absl::Notification ran_twice;
  PeriodicTask task(absl::Milliseconds(1), [&] {
    if (++runs == 2) ran_twice.Notify();
  });
  ASSERT_TRUE(ran_twice.WaitForNotificationWithTimeout(absl::Seconds(30)));
  task.Stop();
  const int after_stop = runs.load();
  task.Stop();  // idempotent
  EXPECT_EQ(runs.load(), after_stop);
}

TEST(PeriodicTaskTest, StopDoesNotWaitForTheInterval) {
  int runs = 0;
  PeriodicTask task(absl::Hours(1), [&] { ++runs; });
  task.Stop();  // returns promptly: the wait is interrupted
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace helpdesk
