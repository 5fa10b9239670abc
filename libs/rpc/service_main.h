#ifndef HELPDESK_LIBS_RPC_SERVICE_MAIN_H_
#define HELPDESK_LIBS_RPC_SERVICE_MAIN_H_

#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/rpc/server.h"

namespace helpdesk::rpc {

// The shared tail of every service binary's main(). Errors here end the
// process: they happen at start-up, before anything is served.

// Prints "<program>: <message>" on stderr and exits with status 1 unless
// `status` is OK.
void OkOrExit(absl::string_view program, const absl::Status& status);

// The value, or OkOrExit's exit.
template <typename T>
T ValueOrExit(absl::string_view program, absl::StatusOr<T> value) {
  OkOrExit(program, value.status());
  return *std::move(value);
}

// Creates `data_dir` (and its parents) if missing, or exits.
void CreateDataDirOrExit(absl::string_view program,
                         const std::string& data_dir);

// Announces `grpc_port=N` on stdout (scripts wait for that line), blocks
// until SIGINT or SIGTERM (main must have called BlockShutdownSignals()
// before starting threads), turns health NOT_SERVING for --drain_delay
// (every call is still served meanwhile), runs `before_shutdown` (stop
// background work, end streams), then shuts `server` down, letting in-flight
// calls finish for up to `grace`.
void ServeUntilShutdownSignal(
    RpcServer& server, absl::Duration grace,
    const std::function<void()>& before_shutdown = {});

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SERVICE_MAIN_H_
