// notification_server: NotificationService as its own process.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/rpc/service_main.h"
#include "services/notification/notification_component.h"

ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(30),
          "Time between heartbeats on WatchNotifications streams.");
ABSL_FLAG(absl::Duration, session_check_interval, absl::Seconds(10),
          "Time between re-checks of every WatchNotifications stream's "
          "session; a stream outlives a logout by at most this plus the 2 s "
          "token cache.");
ABSL_FLAG(int, max_watch_streams_per_user, 16,
          "Open WatchNotifications streams one user may hold; the next is "
          "refused with RESOURCE_EXHAUSTED. 0: no cap.");

int main(int argc, char** argv) {
  constexpr char kProgram[] = "notification_server";
  return helpdesk::rpc::ServiceMain(
      argc, argv,
      {.program = kProgram,
       .log_name = "notification",
       .usage = "Serves NotificationService as its own process.\n"
                "Usage: notification_server --port=50056 --data_dir=./data "
                "...",
       .create = [](helpdesk::rpc::ServiceEnvironment& environment)
           -> absl::StatusOr<std::unique_ptr<helpdesk::rpc::Component>> {
         helpdesk::notification::NotificationComponentOptions options;
         options.storage = environment.storage;
         options.service_token = environment.service_token;
         options.watch.heartbeat_interval =
             absl::GetFlag(FLAGS_heartbeat_interval);
         options.watch.session_check_interval =
             absl::GetFlag(FLAGS_session_check_interval);
         options.watch.max_watchers_per_user =
             absl::GetFlag(FLAGS_max_watch_streams_per_user);
         if (options.watch.heartbeat_interval <= absl::ZeroDuration() ||
             options.watch.session_check_interval <= absl::ZeroDuration() ||
             options.watch.max_watchers_per_user < 0) {
           return absl::InvalidArgumentError(
               "--heartbeat_interval and --session_check_interval must be "
               "positive, --max_watch_streams_per_user at least 0");
         }
         return helpdesk::notification::NotificationComponent::Create(
             options, environment.clock, environment.resolver);
       }});
}
