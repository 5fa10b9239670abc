// jobs_server: JobService, its workers and the escalation scheduler as
// their own process.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
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
#include "services/jobs/jobs_component.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of jobs.db.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50052",
          "host:port of the auth service (callers' tokens; the admins an "
          "escalation notifies).");
ABSL_FLAG(std::string, ticket_target, "127.0.0.1:50054",
          "host:port of the ticket service (escalation sweeps).");
ABSL_FLAG(std::string, audit_target, "", "Unused by jobs.");
ABSL_FLAG(std::string, notification_target, "127.0.0.1:50056",
          "host:port of the notification service (jobs retry until it is "
          "up).");
ABSL_FLAG(std::string, jobs_target, "",
          "Unused by jobs (accepted for symmetry).");
ABSL_FLAG(int, workers, 4, "Worker threads running jobs.");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(10),
          "Time between escalation sweeps.");
ABSL_FLAG(absl::Duration, escalate_after, absl::Hours(24),
          "Open tickets older than this escalate.");
ABSL_FLAG(int, max_attempts, 25,
          "Attempts of a job (unless its producer set them) before it goes "
          "DEAD; retries wait about attempt^4 seconds (25 attempts span 5 "
          "to 10 days).");
ABSL_FLAG(absl::Duration, lease, absl::Seconds(60),
          "How long a claim holds a job before another worker may take it.");
ABSL_FLAG(absl::Duration, handler_timeout, absl::Seconds(10),
          "Deadline of one attempt of a job.");
ABSL_FLAG(absl::Duration, retention, absl::Hours(24 * 7),
          "SUCCEEDED jobs are deleted this long after they finished.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");

int main(int argc, char** argv) {
  constexpr char kProgram[] = "jobs_server";
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves JobService, its workers and the escalation scheduler.\n"
      "Usage: jobs_server --port=50055 --data_dir=./data ...");
  helpdesk::InitLogging("jobs");
  helpdesk::rpc::PrepareServerProcess();

  const std::string service_token = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::LoadOrGenerateServiceToken(
                    absl::GetFlag(FLAGS_service_token_file)));
  if (absl::GetFlag(FLAGS_workers) < 1) {
    helpdesk::rpc::OkOrExit(
        kProgram, absl::InvalidArgumentError("--workers must be at least 1"));
  }
  helpdesk::RealClock clock;
  helpdesk::jobs::JobsComponentOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.service_token = service_token;
  options.service.default_max_attempts = absl::GetFlag(FLAGS_max_attempts);
  options.workers.workers = absl::GetFlag(FLAGS_workers);
  options.workers.lease = absl::GetFlag(FLAGS_lease);
  options.workers.handler_timeout = absl::GetFlag(FLAGS_handler_timeout);
  options.workers.retention = absl::GetFlag(FLAGS_retention);
  options.escalation.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  options.escalation.escalate_after = absl::GetFlag(FLAGS_escalate_after);
  helpdesk::rpc::CreateDataDirOrExit(kProgram, options.data_dir);
  auto component = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::jobs::JobsComponent::Create(options, &clock));

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
           helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_ticket_target)),
           helpdesk::clients::PeerChannel(
               absl::GetFlag(FLAGS_notification_target))}));
  // Workers stop first: each finishes the job it runs and releases the rest
  // of its claim.
  helpdesk::rpc::ServeUntilShutdownSignal(
      *server, absl::GetFlag(FLAGS_shutdown_grace),
      [&] { component->StopBackgroundWork(); });
  return 0;
}
