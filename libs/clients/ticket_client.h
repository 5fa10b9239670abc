#ifndef HELPDESK_LIBS_CLIENTS_TICKET_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_TICKET_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/clients/call_context.h"

namespace helpdesk::clients {

// The one way other services call TicketService: internal EscalateOverdue
// with the service credential and the peer's deadline on every call.
// Thread-safe.
class TicketClient final {
 public:
  explicit TicketClient(PeerOptions peer);

  // TicketService.EscalateOverdue for open tickets older than `older_than`,
  // at most `batch_size` per call as the ticket service counts them.
  absl::StatusOr<::helpdesk::tickets::v1::EscalateOverdueResponse>
  EscalateOverdue(absl::Duration older_than, int batch_size);

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::tickets::v1::TicketService::Stub> stub_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_TICKET_CLIENT_H_
