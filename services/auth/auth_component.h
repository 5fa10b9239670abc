#ifndef HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_
#define HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/audit_client.h"
#include "libs/clock/clock.h"
#include "libs/concurrency/periodic_task.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "libs/outbox/relay.h"
#include "libs/rpc/component.h"
#include "services/auth/auth_service.h"
#include "services/auth/auth_store.h"

namespace helpdesk::auth {

struct AuthComponentOptions {
  // Where the service keeps its data: its SQLite file in storage.data_dir,
  // or its schema of storage.database_url.
  db::Storage storage;
  std::string service_token;
  // Read-only connections to auth.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  bool seed_demo = true;
  AuthServiceOptions service;
  absl::Duration purge_interval = absl::Minutes(10);
  outbox::RelayOptions relay;
};

// The auth service as a component (see libs/rpc/component.h): auth.db, the
// service (demo accounts seeded when asked), the outbox relay delivering
// audit events to peers.audit, and the purge of expired sessions. auth_server
// and helpdeskd both assemble auth through this class. Owns everything it
// creates.
class AuthComponent final : public rpc::Component {
 public:
  static absl::StatusOr<std::unique_ptr<AuthComponent>> Create(
      AuthComponentOptions options, const Clock* clock,
      const rpc::Peers& peers);

  ~AuthComponent() override;

  AuthServiceImpl* service() { return service_.get(); }
  AuthStore* store() { return store_.get(); }
  outbox::OutboxRelay* relay() { return relay_.get(); }

  // A resolver for interceptors in this process: straight from the store,
  // cached for service.token_cache_ttl; a logout here is refused at once.
  TokenResolver* token_resolver() { return service_->token_resolver(); }

  std::vector<grpc::Service*> services() override { return {service_.get()}; }

  // Starts delivering audit events and purging expired sessions.
  absl::Status Start() override;

  // Stops the relay and the purge; events enqueued afterwards wait in the
  // outbox for the next start.
  void Stop() override;

 private:
  AuthComponent() = default;

  AuthComponentOptions options_;
  std::unique_ptr<AuthStore> store_;
  std::unique_ptr<clients::AuditDeliverer> audit_deliverer_;
  std::unique_ptr<outbox::OutboxRelay> relay_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<PeriodicTask> purger_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_
