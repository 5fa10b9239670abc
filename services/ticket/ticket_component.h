#ifndef HELPDESK_SERVICES_TICKET_TICKET_COMPONENT_H_
#define HELPDESK_SERVICES_TICKET_TICKET_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "libs/clients/audit_client.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/jobs_client.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "libs/outbox/relay.h"
#include "libs/rpc/component.h"
#include "services/ticket/ticket_service.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

struct TicketComponentOptions {
  // Where the service keeps its data: its SQLite file in storage.data_dir,
  // or its schema of storage.database_url.
  db::Storage storage;
  std::string service_token;
  // Read-only connections to tickets.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  TicketServiceOptions service;
  outbox::RelayOptions relay;
};

// The ticket service as a component (see libs/rpc/component.h): tickets.db,
// the clients of auth (names, admins) and audit (history), the outbox relay
// delivering audit events to audit and jobs to jobs, and the service.
// ticket_server and helpdeskd both assemble tickets through this class. Owns
// everything it creates.
class TicketComponent final : public rpc::Component {
 public:
  static absl::StatusOr<std::unique_ptr<TicketComponent>> Create(
      TicketComponentOptions options, const Clock* clock,
      const rpc::Peers& peers);
  ~TicketComponent() override;

  TicketServiceImpl* service() { return service_.get(); }
  TicketStore* store() { return store_.get(); }
  outbox::OutboxRelay* relay() { return relay_.get(); }

  std::vector<grpc::Service*> services() override { return {service_.get()}; }
  // Starts the outbox relay's thread.
  absl::Status Start() override;
  // Stops the relay.
  void Stop() override;

 private:
  TicketComponent() = default;

  std::unique_ptr<TicketStore> store_;
  std::unique_ptr<clients::AuthClient> users_;
  std::unique_ptr<clients::AuditReader> audit_reader_;
  std::unique_ptr<clients::AuditDeliverer> audit_deliverer_;
  std::unique_ptr<clients::JobsDeliverer> jobs_deliverer_;
  std::unique_ptr<outbox::OutboxRelay> relay_;
  std::unique_ptr<TicketServiceImpl> service_;
};

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_COMPONENT_H_
