#ifndef HELPDESK_LIBS_RPC_SERVICE_MAIN_H_
#define HELPDESK_LIBS_RPC_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/auth/token_resolver.h"
#include "libs/clock/clock.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"

namespace helpdesk::rpc {

// The main() of every service binary (auth_server, audit_server, ...): one
// component on a server of its own. It defines the flags every service
// binary has:
//   --port, --bind_address    where the gRPC server listens
//   --data_dir                the directory of the service's SQLite file
//   --database_url, --database_password_file
//                             PostgreSQL instead (the service's own schema)
//   --service_token_file      the service credential shared by the services
//   --auth_target, --audit_target, --ticket_target, --notification_target,
//   --jobs_target             the peers' addresses (a component calls the
//                             ones it needs; the same five are given to
//                             every binary)
//   --shutdown_grace, --drain_delay
// Flags of one service alone are defined in its main.cc and read in its
// `create`.

// What a binary's `create` gets.
struct ServiceEnvironment {
  std::string data_dir;  // exists
  // data_dir and the PostgreSQL flags: where the component keeps its data.
  db::Storage storage;
  std::string service_token;
  const Clock* clock = nullptr;
  Peers peers;
  // Resolves callers' session tokens for the server's interceptor: through
  // the auth service (peers.auth) with a short cache. The auth service's
  // own binary replaces it with its in-process resolver.
  auth::TokenResolver* resolver = nullptr;
};

struct ServiceBinary {
  absl::string_view program;   // e.g. "ticket_server", for error messages
  absl::string_view log_name;  // e.g. "ticket", the logs' service field
  absl::string_view usage;     // the first lines of --help
  std::function<absl::StatusOr<std::unique_ptr<Component>>(
      ServiceEnvironment& environment)>
      create;
};

// Parses the command line, creates the component, serves it until SIGINT
// or SIGTERM, then drains (health NOT_SERVING for --drain_delay), stops the
// component and shuts the server down within --shutdown_grace. Announces
// `grpc_port=N` on stdout once serving (scripts wait for that line). Start-up
// errors print "<program>: <message>" and exit 1. Returns main's status.
int ServiceMain(int argc, char** argv, const ServiceBinary& binary);

// Prints "<program>: <message>" on stderr and exits with status 1 unless
// `status` is OK (for checks of a binary's own flags in `create`).
void OkOrExit(absl::string_view program, const absl::Status& status);

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SERVICE_MAIN_H_
