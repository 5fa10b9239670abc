#include "libs/rpc/service_main.h"

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"
#include "libs/rpc/shutdown_signal.h"

// Common to every service binary (ServeUntilShutdownSignal reads it).
ABSL_FLAG(absl::Duration, drain_delay, absl::Seconds(1),
          "On SIGINT/SIGTERM, how long health answers NOT_SERVING while "
          "every call is still served, before the server stops taking new "
          "ones (probes and balancers move traffic away meanwhile).");

namespace helpdesk::rpc {

void OkOrExit(absl::string_view program, const absl::Status& status) {
  if (status.ok()) return;
  LogError("start_failed", {{"error", status.ToString()}});
  std::cerr << program << ": " << status.message() << std::endl;
  std::exit(1);
}

void CreateDataDirOrExit(absl::string_view program,
                         const std::string& data_dir) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    OkOrExit(program, absl::FailedPreconditionError(
                          absl::StrCat("cannot create data directory ",
                                       data_dir, ": ", error.message())));
  }
}

void ServeUntilShutdownSignal(RpcServer& server, absl::Duration grace,
                              const std::function<void()>& before_shutdown) {
  std::cout << "grpc_port=" << server.port() << std::endl;
  const int signal = WaitForShutdownSignal();
  LogInfo("shutting_down", {{"signal", absl::StrCat(signal)}});
  server.StartDraining();
  absl::SleepFor(absl::GetFlag(FLAGS_drain_delay));
  if (before_shutdown) before_shutdown();
  server.Shutdown(grace);
}

}  // namespace helpdesk::rpc
