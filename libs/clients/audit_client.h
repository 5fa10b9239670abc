#ifndef HELPDESK_LIBS_CLIENTS_AUDIT_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_AUDIT_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "libs/clients/call_context.h"
#include "libs/outbox/relay.h"

namespace helpdesk::clients {

// Outbox destination name for audit events.
inline constexpr char kAuditDestination[] = "audit";

// One audit event as a service records it, before it enters the outbox.
struct AuditRecord {
  int64_t actor_id = 0;  // 0: the system
  std::string action;    // e.g. "user.login"
  std::string entity_type;
  int64_t entity_id = 0;
  google::protobuf::Struct before;  // empty when nothing was there
  google::protobuf::Struct after;
  absl::Time time;
};

// The outbox payload for `record` (a serialized RecordAuditEventRequest
// without its event key; the deliverer adds the outbox row's key).
std::string AuditPayload(const AuditRecord& record);

// Delivers "audit" outbox rows through AuditService.RecordAuditEvent with
// the row's idempotency key as `event_key`, the service credential and a
// deadline. Thread-safe.
class AuditDeliverer final : public outbox::Deliverer {
 public:
  explicit AuditDeliverer(PeerOptions peer);

  absl::Status Deliver(const outbox::OutboxMessage& message) override;

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::audit::v1::AuditService::Stub> stub_;
};

// Reads from AuditService on behalf of a signed-in admin (the call carries
// their `authorization` as well as the service credential). Thread-safe.
class AuditReader final {
 public:
  explicit AuditReader(PeerOptions peer);

  // The newest events of one entity, oldest first among them, and where
  // ListAuditEvents (the same entity filter) goes on with the older ones.
  struct History {
    std::vector<::helpdesk::audit::v1::AuditEvent> events;
    std::string next_page_token;  // empty: these are all
  };

  // At most `newest` events (the audit service may return fewer: its pages
  // are bounded by bytes too).
  absl::StatusOr<History> EntityHistory(absl::string_view entity_type,
                                        int64_t entity_id,
                                        absl::string_view caller_authorization,
                                        int newest);

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::audit::v1::AuditService::Stub> stub_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_AUDIT_CLIENT_H_
