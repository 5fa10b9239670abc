// auth_server: AuthService as its own process.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/rpc/service_main.h"
#include "libs/status/status_macros.h"
#include "services/auth/auth_component.h"

ABSL_FLAG(bool, seed_demo, true, "Create the demo accounts on first start.");
ABSL_FLAG(bool, rate_limits, true, "false turns every limiter off.");
ABSL_FLAG(int, argon2_memory_kib, 19 * 1024, "Argon2id memory cost (KiB).");
ABSL_FLAG(int, argon2_iterations, 2, "Argon2id passes.");
ABSL_FLAG(int, argon2_parallelism, 1, "Argon2id lanes.");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Minutes(30),
          "A session ends after this long unused.");
ABSL_FLAG(absl::Duration, session_lifetime, absl::Hours(8),
          "A session ends this long after login, used or not.");

int main(int argc, char** argv) {
  return helpdesk::rpc::ServiceMain(
      argc, argv,
      {.program = "auth_server",
       .log_name = "auth",
       .usage = "Serves AuthService (helpdesk.auth.v1) as its own process.\n"
                "Usage: auth_server --port=50052 --data_dir=./data ...",
       .create = [](helpdesk::rpc::ServiceEnvironment& environment)
           -> absl::StatusOr<std::unique_ptr<helpdesk::rpc::Component>> {
         helpdesk::auth::AuthComponentOptions options;
         options.storage = environment.storage;
         options.service_token = environment.service_token;
         options.seed_demo = absl::GetFlag(FLAGS_seed_demo);
         options.service.rate_limits = absl::GetFlag(FLAGS_rate_limits);
         options.service.argon2.memory_kib =
             absl::GetFlag(FLAGS_argon2_memory_kib);
         options.service.argon2.iterations =
             absl::GetFlag(FLAGS_argon2_iterations);
         options.service.argon2.parallelism =
             absl::GetFlag(FLAGS_argon2_parallelism);
         options.service.sessions.idle_timeout =
             absl::GetFlag(FLAGS_session_idle_timeout);
         options.service.sessions.absolute_lifetime =
             absl::GetFlag(FLAGS_session_lifetime);
         ASSIGN_OR_RETURN(auto component,
                          helpdesk::auth::AuthComponent::Create(
                              options, environment.clock, environment.peers));
         // Callers' tokens are resolved here, from auth.db.
         environment.resolver = component->token_resolver();
         return component;
       }});
}
