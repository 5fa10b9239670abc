#include "services/helpdeskd/helpdeskd.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/call_context.h"
#include "libs/rpc/server.h"
#include "libs/status/status_macros.h"
#include "services/ticket/demo_tickets.h"

namespace helpdesk {

namespace {

// Where this process reaches its own gRPC port.
std::string LoopbackHost(const std::string& bind_address) {
  if (bind_address == "0.0.0.0" || bind_address.empty()) return "127.0.0.1";
  if (bind_address == "::") return "[::1]";
  if (bind_address.find(':') != std::string::npos) {
    return absl::StrCat("[", bind_address, "]");
  }
  return bind_address;
}

}  // namespace

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

  auth::AuthComponentOptions auth_options;
  auth_options.data_dir = options.data_dir;
  auth_options.service_token = service_token;
  auth_options.seed_demo = options.seed_demo;
  auth_options.service.rate_limits = options.rate_limits;
  ASSIGN_OR_RETURN(daemon->auth_,
                   auth::AuthComponent::Create(auth_options, &daemon->clock_));

  ASSIGN_OR_RETURN(daemon->audit_,
                   audit::AuditComponent::Create(
                       {options.data_dir, service_token}, &daemon->clock_));

  ticket::TicketComponentOptions ticket_options;
  ticket_options.data_dir = options.data_dir;
  ticket_options.service_token = service_token;
  ticket_options.service.rate_limits = options.rate_limits;
  ticket_options.service.escalate_after = options.escalate_after;
  ASSIGN_OR_RETURN(daemon->tickets_, ticket::TicketComponent::Create(
                                         ticket_options, &daemon->clock_));
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
  notification_options.data_dir = options.data_dir;
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
  jobs_options.data_dir = options.data_dir;
  jobs_options.service_token = service_token;
  jobs_options.escalation.sweep_interval = options.sweep_interval;
  jobs_options.escalation.escalate_after = options.escalate_after;
  ASSIGN_OR_RETURN(daemon->jobs_,
                   jobs::JobsComponent::Create(jobs_options, &daemon->clock_));

  rpc::ServerOptions server_options;
  server_options.bind_address = options.bind_address;
  server_options.port = options.grpc_port;
  server_options.interceptors.push_back(
      std::make_unique<auth::AuthInterceptorFactory>(
          daemon->auth_->token_resolver(), service_token));
  ASSIGN_OR_RETURN(
      daemon->grpc_server_,
      rpc::RpcServer::Start(
          std::move(server_options),
          {daemon->auth_->service(), daemon->audit_->service(),
           daemon->tickets_->service(), daemon->notifications_->service(),
           daemon->jobs_->service()}));
  // Services call each other over loopback TCP to this server, not over
  // an in-process channel: gRPC 1.51 crashes when a call is created on an
  // in-process channel while its server shuts down, and handlers that are
  // still finishing during the grace period make such calls. Over TCP they
  // fail cleanly with UNAVAILABLE instead.
  auto internal = clients::PeerChannel(absl::StrCat(
      LoopbackHost(options.bind_address), ":", daemon->grpc_server_->port()));
  RETURN_IF_ERROR(daemon->auth_->StartBackgroundWork(internal));
  RETURN_IF_ERROR(
      daemon->tickets_->StartBackgroundWork({internal, internal, internal}));
  RETURN_IF_ERROR(
      daemon->jobs_->StartBackgroundWork({internal, internal, internal}));

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
  // Then background work (relays, job workers, the escalation scheduler):
  // it calls the services over loopback TCP to this server, so it stops
  // while they still answer. What in-flight calls enqueue meanwhile waits in
  // the outboxes for the next start.
  if (auth_ != nullptr) auth_->StopBackgroundWork();
  if (tickets_ != nullptr) tickets_->StopBackgroundWork();
  if (jobs_ != nullptr) jobs_->StopBackgroundWork();
  // Open watch streams end at once instead of holding the grace period.
  if (notifications_ != nullptr) notifications_->StopWatches();
  if (grpc_server_ != nullptr) grpc_server_->Shutdown(grace);
  // No call runs any more: auth may let go of the notification service.
  if (auth_ != nullptr) auth_->service()->OnSessionEnded(nullptr);
  // Relays and background work stop after the last call.
  gateway_.reset();
  jobs_.reset();
  tickets_.reset();
  notifications_.reset();
  auth_.reset();
  audit_.reset();
}

}  // namespace helpdesk
