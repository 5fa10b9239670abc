// notification_server: NotificationService as its own process.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/service_credential.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/server.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/service_main.h"
#include "services/notification/notification_component.h"

ABSL_FLAG(int, port, 0, "gRPC port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of notifications.db.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50052",
          "host:port of the auth service (resolves callers' tokens).");
ABSL_FLAG(std::string, ticket_target, "", "Unused by notification.");
ABSL_FLAG(std::string, audit_target, "", "Unused by notification.");
ABSL_FLAG(std::string, notification_target, "",
          "Unused by notification (accepted for symmetry).");
ABSL_FLAG(std::string, jobs_target, "", "Unused by notification.");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(30),
          "Time between heartbeats on WatchNotifications streams.");
ABSL_FLAG(absl::Duration, session_check_interval, absl::Seconds(10),
          "Time between re-checks of every WatchNotifications stream's "
          "session; a stream outlives a logout by at most this plus the 2 s "
          "token cache.");
ABSL_FLAG(int, max_watch_streams_per_user, 16,
          "Open WatchNotifications streams one user may hold; the next is "
          "refused with RESOURCE_EXHAUSTED. 0: no cap.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "Time in-flight calls get to finish on SIGINT/SIGTERM.");

int main(int argc, char** argv) {
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves NotificationService as its own process.\n"
      "Usage: notification_server --port=50056 --data_dir=./data ...");
  helpdesk::InitLogging("notification");
  helpdesk::rpc::PrepareServerProcess();

  constexpr char kProgram[] = "notification_server";
  const std::string service_token = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::auth::LoadOrGenerateServiceToken(
                    absl::GetFlag(FLAGS_service_token_file)));
  helpdesk::RealClock clock;
  helpdesk::clients::RemoteTokenResolver resolver(
      {helpdesk::clients::PeerChannel(absl::GetFlag(FLAGS_auth_target)),
       service_token},
      &clock);

  helpdesk::notification::NotificationComponentOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.service_token = service_token;
  options.watch.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  options.watch.session_check_interval =
      absl::GetFlag(FLAGS_session_check_interval);
  options.watch.max_watchers_per_user =
      absl::GetFlag(FLAGS_max_watch_streams_per_user);
  if (options.watch.heartbeat_interval <= absl::ZeroDuration() ||
      options.watch.session_check_interval <= absl::ZeroDuration() ||
      options.watch.max_watchers_per_user < 0) {
    helpdesk::rpc::OkOrExit(
        kProgram, absl::InvalidArgumentError(
                      "--heartbeat_interval and --session_check_interval "
                      "must be positive, --max_watch_streams_per_user "
                      "at least 0"));
  }
  helpdesk::rpc::CreateDataDirOrExit(kProgram, options.data_dir);
  auto component = helpdesk::rpc::ValueOrExit(
      kProgram, helpdesk::notification::NotificationComponent::Create(
                    options, &clock, &resolver));

  helpdesk::rpc::ServerOptions server_options;
  server_options.bind_address = absl::GetFlag(FLAGS_bind_address);
  server_options.port = absl::GetFlag(FLAGS_port);
  auto server = helpdesk::rpc::ValueOrExit(
      kProgram, component->Serve(std::move(server_options)));
  helpdesk::rpc::ServeUntilShutdownSignal(*server,
                                          absl::GetFlag(FLAGS_shutdown_grace),
                                          [&] { component->StopWatches(); });
  return 0;
}
