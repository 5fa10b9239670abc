// auth_server: AuthService as its own process.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/service_main.h"
#include "services/auth/auth_component.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of auth.db.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "",
          "Unused by auth (accepted for symmetry).");
ABSL_FLAG(std::string, ticket_target, "", "Unused by auth.");
ABSL_FLAG(std::string, audit_target, "127.0.0.1:50053",
          "host:port of the audit service (audit events wait until it is up).");
ABSL_FLAG(std::string, notification_target, "", "Unused by auth.");
ABSL_FLAG(std::string, jobs_target, "", "Unused by auth.");
ABSL_FLAG(bool, seed_demo, true, "Create the demo accounts on first start.");
ABSL_FLAG(bool, rate_limits, true, "false turns every limiter off.");
ABSL_FLAG(int, argon2_memory_kib, 19 * 1024, "Argon2id memory cost (KiB).");
ABSL_FLAG(int, argon2_iterations, 2, "Argon2id passes.");
ABSL_FLAG(int, argon2_parallelism, 1, "Argon2id lanes.");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Minutes(30),
          "A session ends after this long unused.");
ABSL_FLAG(absl::Duration, session_lifetime, absl::Hours(8),
          "A session ends this long after login, used or not.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");

int main(int argc, char** argv) {
  constexpr char kProgram[] = "auth_server";
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves AuthService (helpdesk.auth.v1) as its own process.\n"
      "Usage: auth_server --port=50052 --data_dir=./data ...");
  helpdesk::InitLogging("auth");
  helpdesk::rpc::PrepareServerProcess();

  const std::string service_token = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::LoadOrGenerateServiceToken(
                    absl::GetFlag(FLAGS_service_token_file)));
  helpdesk::RealClock clock;
  helpdesk::auth::AuthComponentOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.service_token = service_token;
  options.seed_demo = absl::GetFlag(FLAGS_seed_demo);
  options.service.rate_limits = absl::GetFlag(FLAGS_rate_limits);
  options.service.argon2.memory_kib = absl::GetFlag(FLAGS_argon2_memory_kib);
  options.service.argon2.iterations = absl::GetFlag(FLAGS_argon2_iterations);
  options.service.argon2.parallelism = absl::GetFlag(FLAGS_argon2_parallelism);
  options.service.sessions.idle_timeout =
      absl::GetFlag(FLAGS_session_idle_timeout);
  options.service.sessions.absolute_lifetime =
      absl::GetFlag(FLAGS_session_lifetime);
  helpdesk::rpc::CreateDataDirOrExit(kProgram, options.data_dir);
  auto component = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::AuthComponent::Create(options, &clock));

  helpdesk::rpc::ServerOptions server_options;
  server_options.bind_address = absl::GetFlag(FLAGS_bind_address);
  server_options.port = absl::GetFlag(FLAGS_port);
  auto server = helpdesk::rpc::ValueOrExit(
      kProgram, component->Serve(std::move(server_options)));
  helpdesk::rpc::OkOrExit(
      kProgram, component->StartBackgroundWork(helpdesk::clients::PeerChannel(
                    absl::GetFlag(FLAGS_audit_target))));
  helpdesk::rpc::ServeUntilShutdownSignal(
      *server, absl::GetFlag(FLAGS_shutdown_grace),
      [&] { component->StopBackgroundWork(); });
  return 0;
}
