#include "libs/clients/ticket_client.h"

#include <utility>

#include "absl/status/status.h"
#include "google/protobuf/util/time_util.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::tickets::v1::EscalateOverdueRequest;
using ::helpdesk::tickets::v1::EscalateOverdueResponse;
using ::helpdesk::tickets::v1::TicketService;

TicketClient::TicketClient(PeerOptions peer)
    : peer_(std::move(peer)), stub_(TicketService::NewStub(peer_.channel)) {}

absl::StatusOr<EscalateOverdueResponse> TicketClient::EscalateOverdue(
    absl::Duration older_than, int batch_size) {
  EscalateOverdueRequest request;
  *request.mutable_older_than() =
      TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(older_than));
  request.set_batch_size(batch_size);
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  EscalateOverdueResponse response;
  absl::Status status =
      rpc::FromGrpcStatus(stub_->EscalateOverdue(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace helpdesk::clients
