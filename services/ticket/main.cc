// ticket_server: TicketService as its own process.
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
#include "services/ticket/ticket_component.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of tickets.db.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50052",
          "host:port of the auth service.");
ABSL_FLAG(std::string, ticket_target, "", "Unused by tickets.");
ABSL_FLAG(std::string, audit_target, "127.0.0.1:50053",
          "host:port of the audit service (events wait until it is up).");
ABSL_FLAG(std::string, notification_target, "", "Unused by tickets.");
ABSL_FLAG(std::string, jobs_target, "127.0.0.1:50055",
          "host:port of the jobs service (jobs wait until it is up).");
ABSL_FLAG(bool, rate_limits, true, "false turns every limiter off.");
ABSL_FLAG(absl::Duration, escalate_after, absl::Hours(24),
          "Default age at which OPEN tickets escalate.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");

int main(int argc, char** argv) {
  constexpr char kProgram[] = "ticket_server";
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves TicketService (helpdesk.tickets.v1) as its own process.\n"
      "Usage: ticket_server --port=50054 --data_dir=./data ...");
  helpdesk::InitLogging("ticket");
  helpdesk::rpc::PrepareServerProcess();

  const std::string service_token = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::LoadOrGenerateServiceToken(
                    absl::GetFlag(FLAGS_service_token_file)));
  helpdesk::RealClock clock;
  helpdesk::ticket::TicketComponentOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.service_token = service_token;
  options.service.rate_limits = absl::GetFlag(FLAGS_rate_limits);
  options.service.escalate_after = absl::GetFlag(FLAGS_escalate_after);
  helpdesk::rpc::CreateDataDirOrExit(kProgram, options.data_dir);
  auto component = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::ticket::TicketComponent::Create(options, &clock));

  auto auth_channel =
      helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_auth_target));
  helpdesk::clients::RemoteTokenResolver resolver({auth_channel, service_token},
                                                  &clock);
  helpdesk::rpc::ServerOptions server_options;
  server_options.bind_address = absl::GetFlag(FLAGS_bind_address);
  server_options.port = absl::GetFlag(FLAGS_port);
  auto server = helpdesk::rpc::ValueOrExit(
      kProgram, component->Serve(std::move(server_options), &resolver));
  helpdesk::rpc::OkOrExit(
      kProgram,
      component->StartBackgroundWork(
          {auth_channel,
           helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_audit_target)),
           helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_jobs_target))}));
  helpdesk::rpc::ServeUntilShutdownSignal(
      *server, absl::GetFlag(FLAGS_shutdown_grace),
      [&] { component->StopBackgroundWork(); });
  return 0;
}
