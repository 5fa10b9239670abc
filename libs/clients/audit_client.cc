#include "libs/clients/audit_client.h"

#include <iterator>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {

using ::helpdesk::audit::v1::RecordAuditEventRequest;

std::string AuditPayload(const AuditRecord& record) {
  RecordAuditEventRequest request;
  request.set_actor_id(record.actor_id);
  request.set_action(record.action);
  request.set_entity_type(record.entity_type);
  request.set_entity_id(record.entity_id);
  if (!record.before.fields().empty())
    *request.mutable_before() = record.before;
  if (!record.after.fields().empty()) *request.mutable_after() = record.after;
  *request.mutable_create_time() = ToTimestamp(record.time);
  return request.SerializeAsString();
}

AuditDeliverer::AuditDeliverer(PeerOptions peer)
    : peer_(std::move(peer)),
      stub_(::helpdesk::audit::v1::AuditService::NewStub(peer_.channel)) {}

absl::Status AuditDeliverer::Deliver(const outbox::OutboxMessage& message) {
  RecordAuditEventRequest request;
  if (!request.ParseFromString(message.payload)) {
    return absl::DataLossError("undecodable audit payload in the outbox");
  }
  request.set_event_key(message.idempotency_key);
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  ::helpdesk::audit::v1::AuditEvent response;
  return rpc::FromGrpcStatus(
      stub_->RecordAuditEvent(&context, request, &response));
}

AuditReader::AuditReader(PeerOptions peer)
    : peer_(std::move(peer)),
      stub_(::helpdesk::audit::v1::AuditService::NewStub(peer_.channel)) {}

absl::StatusOr<AuditReader::History> AuditReader::EntityHistory(
    absl::string_view entity_type, int64_t entity_id,
    absl::string_view caller_authorization, int newest) {
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  context.AddMetadata("authorization", std::string(caller_authorization));
  ::helpdesk::audit::v1::ListAuditEventsRequest request;
  request.set_entity_type(std::string(entity_type));
  request.set_entity_id(entity_id);
  request.set_page_size(newest);
  ::helpdesk::audit::v1::ListAuditEventsResponse response;
  absl::Status status =
      rpc::FromGrpcStatus(stub_->ListAuditEvents(&context, request, &response));
  if (!status.ok()) return status;
  // Newest first on the wire; history reads oldest first.
  History history;
  history.events.assign(
      std::make_move_iterator(response.mutable_audit_events()->rbegin()),
      std::make_move_iterator(response.mutable_audit_events()->rend()));
  history.next_page_token = response.next_page_token();
  return history;
}

}  // namespace helpdesk::clients
