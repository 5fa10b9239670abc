#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_SERVICE_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/paging/page_token.h"
#include "services/audit/audit_store.h"

namespace helpdesk::audit {

// helpdesk.audit.v1.AuditService: records events from other services'
// outboxes (idempotent on event_key), lists them for admins, and verifies
// the hash chain. Nothing updates or deletes an event. Synchronous handlers
// (every call is one SQLite statement or transaction). The store and clock
// must outlive the service. Thread-safe.
class AuditServiceImpl final
    : public ::helpdesk::audit::v1::AuditService::Service {
 public:
  AuditServiceImpl(AuditStore* store, const Clock* clock,
                   std::string page_token_key);

  grpc::Status RecordAuditEvent(grpc::ServerContext* context,
                                const v1::RecordAuditEventRequest* request,
                                v1::AuditEvent* response) override;
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override;
  grpc::Status VerifyAuditChain(
      grpc::ServerContext* context, const v1::VerifyAuditChainRequest* request,
      v1::VerifyAuditChainResponse* response) override;

 private:
  absl::StatusOr<v1::AuditEvent> DoRecord(
      const grpc::ServerContext& context,
      const v1::RecordAuditEventRequest& request);
  absl::StatusOr<v1::ListAuditEventsResponse> DoList(
      const grpc::ServerContext& context,
      const v1::ListAuditEventsRequest& request);

  AuditStore* const store_;
  const Clock* const clock_;
  const paging::PageTokenCodec page_tokens_;
};

// The proto form of a stored event.
v1::AuditEvent ToProto(const StoredEvent& event);

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_SERVICE_H_
