// audit_server: AuditService as its own process.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/service_main.h"
#include "services/audit/audit_component.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of audit.db.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50052",
          "host:port of the auth service (resolves callers' tokens).");
ABSL_FLAG(std::string, ticket_target, "", "Unused by audit.");
ABSL_FLAG(std::string, audit_target, "", "Unused by audit.");
ABSL_FLAG(std::string, notification_target, "", "Unused by audit.");
ABSL_FLAG(std::string, jobs_target, "", "Unused by audit.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");

int main(int argc, char** argv) {
  constexpr char kProgram[] = "audit_server";
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves AuditService (helpdesk.audit.v1) as its own process.\n"
      "Usage: audit_server --port=50053 --data_dir=./data ...");
  helpdesk::InitLogging("audit");
  helpdesk::rpc::PrepareServerProcess();

  const std::string service_token = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::LoadOrGenerateServiceToken(
                    absl::GetFlag(FLAGS_service_token_file)));
  helpdesk::RealClock clock;
  helpdesk::audit::AuditComponentOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.service_token = service_token;
  helpdesk::rpc::CreateDataDirOrExit(kProgram, options.data_dir);
  auto component = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::audit::AuditComponent::Create(options, &clock));
  helpdesk::clients::RemoteTokenResolver resolver(
      {helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_auth_target)),
       service_token},
      &clock);

  helpdesk::rpc::ServerOptions server_options;
  server_options.bind_address = absl::GetFlag(FLAGS_bind_address);
  server_options.port = absl::GetFlag(FLAGS_port);
  auto server = helpdesk::rpc::ValueOrExit(
      kProgram, component->Serve(std::move(server_options), &resolver));
  helpdesk::rpc::ServeUntilShutdownSignal(*server,
                                          absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
