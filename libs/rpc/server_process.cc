#include "libs/rpc/server_process.h"

#include "absl/synchronization/mutex.h"
#include "libs/rpc/shutdown_signal.h"

namespace helpdesk::rpc {

void PrepareServerProcess() {
  BlockShutdownSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace helpdesk::rpc
