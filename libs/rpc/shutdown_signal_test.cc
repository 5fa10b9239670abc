#include "libs/rpc/shutdown_signal.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace helpdesk::rpc {
namespace {

TEST(ShutdownSignalTest, WaitReturnsTheBlockedSignalThatArrived) {
  BlockShutdownSignals();
  ASSERT_EQ(raise(SIGTERM), 0);  // stays pending: the signal is blocked
  EXPECT_EQ(WaitForShutdownSignal(), SIGTERM);
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_EQ(WaitForShutdownSignal(), SIGINT);
}

}  // namespace
}  // namespace helpdesk::rpc
