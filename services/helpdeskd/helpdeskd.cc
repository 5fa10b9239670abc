#include "services/helpdeskd/helpdeskd.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/call_context.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/status/status_macros.h"
#include "services/ticket/demo_tickets.h"

namespace helpdesk {

Helpdeskd::Helpdeskd(HelpdeskdOptions options) : options_(std::move(options)) {}

Helpdeskd::~Helpdeskd() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<Helpdeskd>> Helpdeskd::Start(
    const HelpdeskdOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", options.data_dir, ": ",
                     error.message()));
  }
  std::unique_ptr<Helpdeskd> daemon(new Helpdeskd(options));

  const std::string service_token = auth::GenerateServiceToken();
  // The services call each other through an abstract Unix socket of this
  // server, whose address is known before it starts, so every component
  // has its peer clients from its first call. Not the in-process channel:
  // gRPC 1.51 crashes when a call is created on an in-process channel while
  // its server shuts down, and handlers still finishing during the grace
  // period make such calls; over a socket they fail UNAVAILABLE instead.
  const std::string internal_address = rpc::NewLocalAddress("helpdeskd");
  const rpc::Peers peers =
      rpc::Peers::AllTo(clients::PeerChannel(internal_address));

  // Every service's data: a SQLite file each in data_dir, or a schema each
  // of the PostgreSQL database.
  const db::Storage storage{.data_dir = options.data_dir,
                            .database_url = options.database_url,
                            .database_password = options.database_password};
  auth::AuthComponentOptions auth_options;
  auth_options.storage = storage;
  auth_options.service_token = service_token;
  auth_options.seed_demo = options.seed_demo;
  auth_options.service.rate_limits = options.rate_limits;
  ASSIGN_OR_RETURN(daemon->auth_, auth::AuthComponent::Create(
                                      auth_options, &daemon->clock_, peers));

  ASSIGN_OR_RETURN(
      daemon->audit_,
      audit::AuditComponent::Create({storage, service_token}, &daemon->clock_));

  ticket::TicketComponentOptions ticket_options;
  ticket_options.storage = storage;
  ticket_options.service_token = service_token;
  ticket_options.service.rate_limits = options.rate_limits;
  ticket_options.service.escalate_after = options.escalate_after;
  ASSIGN_OR_RETURN(
      daemon->tickets_,
      ticket::TicketComponent::Create(ticket_options, &daemon->clock_, peers));
  if (options.seed_demo) {
    auth::AuthStore* users = daemon->auth_->store();
    RETURN_IF_ERROR(ticket::SeedDemoTickets(
        *daemon->tickets_->store(), daemon->clock_.Now(),
        [users](absl::string_view email) -> absl::StatusOr<int64_t> {
          ASSIGN_OR_RETURN(auth::UserRecord user,
                           users->FindUserByEmail(email));
          return user.id;
        }));
  }

  notification::NotificationComponentOptions notification_options;
  notification_options.storage = storage;
  notification_options.service_token = service_token;
  // Like every limiter: off for benchmarks, which open many streams per
  // user.
  if (!options.rate_limits) {
    notification_options.watch.max_watchers_per_user = 0;
  }
  ASSIGN_OR_RETURN(daemon->notifications_,
                   notification::NotificationComponent::Create(
                       notification_options, &daemon->clock_,
                       daemon->auth_->token_resolver()));
  // A logout (or a login revoking the presented token) ends that session's
  // watch streams at once, not at the next session check.
  daemon->auth_->service()->OnSessionEnded(
      [notifications = daemon->notifications_.get()](absl::string_view token) {
        notifications->EndSessionWatches(token);
      });

  jobs::JobsComponentOptions jobs_options;
  jobs_options.storage = storage;
  jobs_options.service_token = service_token;
  jobs_options.escalation.sweep_interval = options.sweep_interval;
  jobs_options.escalation.escalate_after = options.escalate_after;
  ASSIGN_OR_RETURN(daemon->jobs_, jobs::JobsComponent::Create(
                                      jobs_options, &daemon->clock_, peers));

  daemon->components_ = {daemon->auth_.get(), daemon->audit_.get(),
                         daemon->tickets_.get(), daemon->notifications_.get(),
                         daemon->jobs_.get()};
  rpc::ServerOptions server_options;
  server_options.bind_address = options.bind_address;
  server_options.port = options.grpc_port;
  server_options.extra_addresses = {internal_address};
  ASSIGN_OR_RETURN(daemon->grpc_server_,
                   rpc::StartComponentServer(
                       std::move(server_options), daemon->components_,
                       daemon->auth_->token_resolver(), service_token));
  RETURN_IF_ERROR(rpc::StartAll(daemon->components_));

  gateway::GatewayOptions gateway_options;
  gateway_options.bind_address = options.bind_address;
  gateway_options.port = options.http_port;
  gateway_options.service_token = service_token;
  ASSIGN_OR_RETURN(
      daemon->gateway_,
      gateway::Gateway::Start(gateway_options,
                              // The gateway drains before the server stops, so
                              // it may take the in-process shortcut.
                              daemon->grpc_server_->InProcessChannel()));
  return daemon;
}

void Helpdeskd::StartDraining() {
  if (grpc_server_ != nullptr) grpc_server_->StartDraining();
}

void Helpdeskd::Shutdown(absl::Duration grace) {
  // Health says NOT_SERVING (for "" and every service) while the rest
  // drains, so probes and balancers move on before the port closes.
  StartDraining();
  // The edge first: no new requests, event streams end, in-flight ones
  // finish within `grace`.
  if (gateway_ != nullptr) gateway_->Shutdown(grace);
  // Then background work (relays, job workers, the escalation scheduler)
  // and open watch streams, in reverse dependency order: background work
  // calls the services through this server, so it stops while they still
  // answer. What in-flight calls enqueue meanwhile waits in the outboxes for
  // the next start.
  rpc::StopAll(components_);
  if (grpc_server_ != nullptr) grpc_server_->Shutdown(grace);
  // No call runs any more: auth may let go of the notification service.
  if (auth_ != nullptr) auth_->service()->OnSessionEnded(nullptr);
  components_.clear();
  gateway_.reset();
  jobs_.reset();
  tickets_.reset();
  notifications_.reset();
  auth_.reset();
  audit_.reset();
}

}  // namespace helpdesk
