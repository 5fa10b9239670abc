#include "libs/clients/jobs_client.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {

using ::helpdesk::jobs::v1::EnqueueJobRequest;

std::string JobPayload(absl::string_view type,
                       const google::protobuf::Message& payload,
                       absl::string_view dedupe_key) {
  EnqueueJobRequest request;
  request.set_type(std::string(type));
  request.mutable_payload()->PackFrom(payload);
  request.set_dedupe_key(std::string(dedupe_key));
  return request.SerializeAsString();
}

JobsDeliverer::JobsDeliverer(PeerOptions peer)
    : peer_(std::move(peer)),
      stub_(::helpdesk::jobs::v1::JobService::NewStub(peer_.channel)) {}

absl::Status JobsDeliverer::Deliver(const outbox::OutboxMessage& message) {
  EnqueueJobRequest request;
  if (!request.ParseFromString(message.payload)) {
    return absl::DataLossError("undecodable job payload in the outbox");
  }
  if (request.dedupe_key().empty()) {
    request.set_dedupe_key(message.idempotency_key);
  }
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  ::helpdesk::jobs::v1::Job response;
  return rpc::FromGrpcStatus(stub_->EnqueueJob(&context, request, &response));
}

}  // namespace helpdesk::clients
