#ifndef HELPDESK_SERVICES_TICKET_TICKET_COMPONENT_H_
#define HELPDESK_SERVICES_TICKET_TICKET_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/audit_client.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/jobs_client.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/outbox/relay.h"
#include "libs/rpc/server.h"
#include "services/ticket/ticket_service.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

struct TicketComponentOptions {
  std::string data_dir;
  std::string service_token;
  // Read-only connections to tickets.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  TicketServiceOptions service;
  outbox::RelayOptions relay;
};

// Channels to the ticket service's peers.
struct TicketPeers {
  std::shared_ptr<grpc::Channel> auth;
  std::shared_ptr<grpc::Channel> audit;
  std::shared_ptr<grpc::Channel> jobs;
};

// Wires the ticket service: tickets.db and the service first; then, once
// channels to the peers exist, its clients of auth and audit and the outbox
// relay delivering audit events and jobs. ticket_server and helpdeskd both
// assemble tickets through this class. Owns everything it creates.
class TicketComponent final {
 public:
  static absl::StatusOr<std::unique_ptr<TicketComponent>> Create(
      TicketComponentOptions options, const Clock* clock);
  ~TicketComponent();

  TicketServiceImpl* service() { return service_.get(); }
  TicketStore* store() { return store_.get(); }
  // Null until StartBackgroundWork().
  outbox::OutboxRelay* relay() { return relay_.get(); }

  // Connects the peers and starts the outbox relay's thread.
  absl::Status StartBackgroundWork(TicketPeers peers);

  // Stops the relay (idempotent). Call it before the server it delivers to
  // shuts down, whether it reaches it over TCP (helpdeskd) or over the
  // server's in-process channel (test fixtures), where a call created during
  // shutdown crashes gRPC 1.51.
  void StopBackgroundWork();

  // Starts a server for tickets alone, resolving callers through `resolver`.
  absl::StatusOr<std::unique_ptr<rpc::RpcServer>> Serve(
      rpc::ServerOptions options, auth::TokenResolver* resolver);

 private:
  TicketComponent() = default;

  TicketComponentOptions options_;
  const Clock* clock_ = nullptr;
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
