// audit_server: AuditService as its own process.
#include <memory>

#include "libs/rpc/service_main.h"
#include "services/audit/audit_component.h"

int main(int argc, char** argv) {
  return helpdesk::rpc::ServiceMain(
      argc, argv,
      {.program = "audit_server",
       .log_name = "audit",
       .usage = "Serves AuditService (helpdesk.audit.v1) as its own process.\n"
                "Usage: audit_server --port=50053 --data_dir=./data ...",
       .create = [](helpdesk::rpc::ServiceEnvironment& environment)
           -> absl::StatusOr<std::unique_ptr<helpdesk::rpc::Component>> {
         return helpdesk::audit::AuditComponent::Create(
             {.storage = environment.storage,
              .service_token = environment.service_token},
             environment.clock);
       }});
}
