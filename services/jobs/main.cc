// jobs_server: JobService, its workers and the escalation scheduler as
// their own process.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/rpc/service_main.h"
#include "services/jobs/jobs_component.h"

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

int main(int argc, char** argv) {
  return helpdesk::rpc::ServiceMain(
      argc, argv,
      {.program = "jobs_server",
       .log_name = "jobs",
       .usage = "Serves JobService, its workers and the escalation "
                "scheduler.\n"
                "Usage: jobs_server --port=50055 --data_dir=./data ...",
       .create = [](helpdesk::rpc::ServiceEnvironment& environment)
           -> absl::StatusOr<std::unique_ptr<helpdesk::rpc::Component>> {
         if (absl::GetFlag(FLAGS_workers) < 1) {
           return absl::InvalidArgumentError("--workers must be at least 1");
         }
         helpdesk::jobs::JobsComponentOptions options;
         options.storage = environment.storage;
         options.service_token = environment.service_token;
         options.service.default_max_attempts =
             absl::GetFlag(FLAGS_max_attempts);
         options.workers.workers = absl::GetFlag(FLAGS_workers);
         options.workers.lease = absl::GetFlag(FLAGS_lease);
         options.workers.handler_timeout = absl::GetFlag(FLAGS_handler_timeout);
         options.workers.retention = absl::GetFlag(FLAGS_retention);
         options.escalation.sweep_interval =
             absl::GetFlag(FLAGS_sweep_interval);
         options.escalation.escalate_after =
             absl::GetFlag(FLAGS_escalate_after);
         return helpdesk::jobs::JobsComponent::Create(
             options, environment.clock, environment.peers);
       }});
}
