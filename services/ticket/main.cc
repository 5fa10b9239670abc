// ticket_server: TicketService as its own process.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/rpc/service_main.h"
#include "services/ticket/ticket_component.h"

ABSL_FLAG(bool, rate_limits, true, "false turns every limiter off.");
ABSL_FLAG(absl::Duration, escalate_after, absl::Hours(24),
          "Default age at which OPEN tickets escalate.");

int main(int argc, char** argv) {
  return helpdesk::rpc::ServiceMain(
      argc, argv,
      {.program = "ticket_server",
       .log_name = "ticket",
       .usage = "Serves TicketService (helpdesk.tickets.v1) as its own "
                "process.\n"
                "Usage: ticket_server --port=50054 --data_dir=./data ...",
       .create = [](helpdesk::rpc::ServiceEnvironment& environment)
           -> absl::StatusOr<std::unique_ptr<helpdesk::rpc::Component>> {
         helpdesk::ticket::TicketComponentOptions options;
         options.storage = environment.storage;
         options.service_token = environment.service_token;
         options.service.rate_limits = absl::GetFlag(FLAGS_rate_limits);
         options.service.escalate_after = absl::GetFlag(FLAGS_escalate_after);
         return helpdesk::ticket::TicketComponent::Create(
             options, environment.clock, environment.peers);
       }});
}
