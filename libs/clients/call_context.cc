#include "libs/clients/call_context.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/principal.h"

namespace helpdesk::clients {

namespace {

// The calls a replica that fails UNAVAILABLE may be asked again on another
// (service, methods). Not here: calls whose repetition would do the work
// twice (CreateTicket, UpdateTicket, AssignTicket, CreateNote, Register,
// Login, RetryJob).
struct RetryableMethods {
  const char* service;
  std::vector<const char*> methods;
};
const std::vector<RetryableMethods>& Retryable() {
  static const auto* retryable = new std::vector<RetryableMethods>{
      {"helpdesk.auth.v1.AuthService",
       {"Authenticate", "GetCurrentUser", "ListUsers", "BatchGetUsers",
        "Logout"}},
      {"helpdesk.tickets.v1.TicketService",
       {"GetTicket", "ListTickets", "ListNotes", "EscalateOverdue"}},
      // RecordAuditEvent is deduplicated by its key.
      {"helpdesk.audit.v1.AuditService",
       {"RecordAuditEvent", "ListAuditEvents", "VerifyAuditChain"}},
      // CreateNotification is deduplicated by its key; the Mark calls set
      // a state.
      {"helpdesk.notifications.v1.NotificationService",
       {"ListNotifications", "GetUnreadCount", "CreateNotification",
        "MarkNotificationRead", "MarkNotificationUnread",
        "MarkAllNotificationsRead"}},
      // EnqueueJob is deduplicated by its key; a sweep is idempotent.
      {"helpdesk.jobs.v1.JobService",
       {"EnqueueJob", "GetJob", "ListJobs", "RunEscalationSweep"}},
      {"grpc.health.v1.Health", {"Check"}},
  };
  return *retryable;
}

std::string BuildServiceConfig() {
  std::vector<std::string> names;
  for (const RetryableMethods& service : Retryable()) {
    for (const char* method : service.methods) {
      names.push_back(absl::StrCat(R"({"service":")", service.service,
                                   R"(","method":")", method, R"("})"));
    }
  }
  return absl::StrCat(
      R"({"loadBalancingConfig":[{"round_robin":{}}],)",
      R"("methodConfig":[{"name":[)", absl::StrJoin(names, ","), "],",
      R"("retryPolicy":{"maxAttempts":3,"initialBackoff":"0.01s",)",
      R"("maxBackoff":"0.1s","backoffMultiplier":2,)",
      R"("retryableStatusCodes":["UNAVAILABLE"]}}]})");
}

}  // namespace

const std::string& PeerServiceConfig() {
  static const std::string* config = new std::string(BuildServiceConfig());
  return *config;
}

std::shared_ptr<grpc::Channel> PeerChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(PeerServiceConfig());
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

void PrepareContext(const PeerOptions& peer, grpc::ClientContext* context,
                    absl::Time not_after) {
  context->set_deadline(
      absl::ToChronoTime(std::min(absl::Now() + peer.deadline, not_after)));
  context->AddMetadata(auth::kServiceTokenKey, peer.service_token);
}

}  // namespace helpdesk::clients
