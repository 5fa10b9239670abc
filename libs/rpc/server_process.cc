#include "libs/rpc/server_process.h"

#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libs/rpc/shutdown_signal.h"

namespace helpdesk::rpc {
namespace {

// Flags defined outside Abseil's own sources are the program's.
bool IsProgramFlagFile(absl::string_view file) {
  return !absl::StrContains(file, "absl/");
}

}  // namespace

void ParseServerCommandLine(int argc, char** argv, absl::string_view usage) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = IsProgramFlagFile;
  config.contains_helpshort_flags = IsProgramFlagFile;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  absl::ParseCommandLine(argc, argv);
}

void PrepareServerProcess() {
  BlockShutdownSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace helpdesk::rpc
