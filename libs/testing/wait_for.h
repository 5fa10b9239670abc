#ifndef HELPDESK_LIBS_TESTING_WAIT_FOR_H_
#define HELPDESK_LIBS_TESTING_WAIT_FOR_H_

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace helpdesk::testing {

// Waits (real time, bounded) for something a test cannot be told about, such
// as an outbox delivering in the background: calls `condition` on the
// calling thread every `poll` until it returns true or `timeout` has passed,
// and returns whether it did. `condition` runs at least once, and once more
// at the deadline, so a zero timeout checks exactly once.
//
//   ASSERT_TRUE(WaitFor([&] { return hub.watcher_count() == 0; }));
//
// A condition may do the work whose result it checks (an RPC, a retried
// bind) and keep that result in a captured variable for the assertions that
// follow. Prefer a notification or absl::Mutex::AwaitWithTimeout where the
// code under test can signal; this is for what it cannot.
bool WaitFor(absl::FunctionRef<bool()> condition,
             absl::Duration timeout = absl::Seconds(30),
             absl::Duration poll = absl::Milliseconds(5));

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_WAIT_FOR_H_
