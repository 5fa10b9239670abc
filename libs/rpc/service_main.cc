#include "libs/rpc/service_main.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/call_context.h"
#include "libs/db/store.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/shutdown_signal.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data",
          "Directory of the service's SQLite file; created if missing.");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL database to keep the service's data in "
          "(postgresql://user@host:port/db; the service uses its own schema). "
          "Empty: a SQLite file in --data_dir.");
ABSL_FLAG(std::string, database_password_file, "",
          "File whose first line is the PostgreSQL password (otherwise the "
          "URL's, PGPASSWORD's or ~/.pgpass's).");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services "
          "(created with a new credential if missing; empty: a new one for "
          "this process only).");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50052",
          "gRPC target of the auth service (host:port).");
ABSL_FLAG(std::string, audit_target, "127.0.0.1:50053",
          "gRPC target of the audit service (host:port).");
ABSL_FLAG(std::string, ticket_target, "127.0.0.1:50054",
          "gRPC target of the ticket service (host:port).");
ABSL_FLAG(std::string, jobs_target, "127.0.0.1:50055",
          "gRPC target of the jobs service (host:port).");
ABSL_FLAG(std::string, notification_target, "127.0.0.1:50056",
          "gRPC target of the notification service (host:port).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");
ABSL_FLAG(absl::Duration, drain_delay, absl::Seconds(1),
          "On SIGINT/SIGTERM, how long health answers NOT_SERVING while "
          "every call is still served, before the server stops taking new "
          "ones (probes and balancers move traffic away meanwhile).");

namespace helpdesk::rpc {

namespace {

template <typename T>
T ValueOrExit(absl::string_view program, absl::StatusOr<T> value) {
  OkOrExit(program, value.status());
  return *std::move(value);
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

Peers PeersFromFlags() {
  return {clients::PeerChannel(absl::GetFlag(FLAGS_auth_target)),
          clients::PeerChannel(absl::GetFlag(FLAGS_audit_target)),
          clients::PeerChannel(absl::GetFlag(FLAGS_ticket_target)),
          clients::PeerChannel(absl::GetFlag(FLAGS_notification_target)),
          clients::PeerChannel(absl::GetFlag(FLAGS_jobs_target))};
}

}  // namespace

void OkOrExit(absl::string_view program, const absl::Status& status) {
  if (status.ok()) return;
  LogError("start_failed", {{"error", status.ToString()}});
  std::cerr << program << ": " << status.message() << std::endl;
  std::exit(1);
}

int ServiceMain(int argc, char** argv, const ServiceBinary& binary) {
  ParseServerCommandLine(argc, argv, binary.usage);
  InitLogging(binary.log_name);
  // Before any thread starts, so every thread inherits the signal mask.
  PrepareServerProcess();

  RealClock clock;
  ServiceEnvironment environment;
  environment.data_dir = absl::GetFlag(FLAGS_data_dir);
  CreateDataDirOrExit(binary.program, environment.data_dir);
  environment.storage.data_dir = environment.data_dir;
  environment.storage.database_url = absl::GetFlag(FLAGS_database_url);
  environment.storage.database_password = ValueOrExit(
      binary.program,
      db::ReadPasswordFile(absl::GetFlag(FLAGS_database_password_file)));
  environment.service_token =
      ValueOrExit(binary.program, auth::LoadOrGenerateServiceToken(
                                      absl::GetFlag(FLAGS_service_token_file)));
  environment.clock = &clock;
  environment.peers = PeersFromFlags();
  clients::RemoteTokenResolver remote_resolver(
      {environment.peers.auth, environment.service_token}, &clock);
  environment.resolver = &remote_resolver;
  std::unique_ptr<Component> component =
      ValueOrExit(binary.program, binary.create(environment));

  ServerOptions server_options;
  server_options.bind_address = absl::GetFlag(FLAGS_bind_address);
  server_options.port = absl::GetFlag(FLAGS_port);
  Component* components[] = {component.get()};
  std::unique_ptr<RpcServer> server = ValueOrExit(
      binary.program,
      StartComponentServer(std::move(server_options), components,
                           environment.resolver, environment.service_token));
  OkOrExit(binary.program, component->Start());

  std::cout << "grpc_port=" << server->port() << std::endl;
  const int signal = WaitForShutdownSignal();
  LogInfo("shutting_down", {{"signal", absl::StrCat(signal)}});
  server->StartDraining();
  absl::SleepFor(absl::GetFlag(FLAGS_drain_delay));
  // Background work and open streams end while the server still answers.
  component->Stop();
  server->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}

}  // namespace helpdesk::rpc
