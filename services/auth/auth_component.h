#ifndef HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_
#define HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/audit_client.h"
#include "libs/clock/clock.h"
#include "libs/concurrency/periodic_task.h"
#include "libs/db/reader_pool.h"
#include "libs/outbox/relay.h"
#include "libs/rpc/server.h"
#include "services/auth/auth_service.h"
#include "services/auth/auth_store.h"

namespace helpdesk::auth {

struct AuthComponentOptions {
  std::string data_dir;
  std::string service_token;
  // Read-only connections to auth.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  bool seed_demo = true;
  AuthServiceOptions service;
  absl::Duration purge_interval = absl::Minutes(10);
  outbox::RelayOptions relay;
};

// Wires the auth service: opens auth.db, builds the service, seeds demo
// accounts, and — once the server runs and a channel to audit exists —
// starts the outbox relay and the session purge. auth_server and helpdeskd
// both assemble auth through this class. Owns everything it creates.
class AuthComponent final {
 public:
  static absl::StatusOr<std::unique_ptr<AuthComponent>> Create(
      AuthComponentOptions options, const Clock* clock);

  ~AuthComponent();

  AuthServiceImpl* service() { return service_.get(); }
  AuthStore* store() { return store_.get(); }

  // A resolver for interceptors in this process: straight from the store,
  // cached for service.token_cache_ttl; a logout here is refused at once.
  TokenResolver* token_resolver() { return service_->token_resolver(); }

  // Starts delivering audit events over `audit_channel` and purging expired
  // sessions.
  absl::Status StartBackgroundWork(
      std::shared_ptr<grpc::Channel> audit_channel);

  outbox::OutboxRelay* relay() { return relay_.get(); }

  // Stops the relay and the purge (idempotent). Call it before the server
  // the relay delivers to shuts down, whether it reaches it over TCP
  // (helpdeskd) or over the server's in-process channel (test fixtures),
  // where a call created during shutdown crashes gRPC 1.51; events enqueued
  // afterwards wait in the outbox for the next start.
  void StopBackgroundWork();

  // Starts a server for auth alone (auth_server, tests, benchmarks): the
  // service behind the auth interceptor, on `options`' address.
  absl::StatusOr<std::unique_ptr<rpc::RpcServer>> Serve(
      rpc::ServerOptions options);

 private:
  AuthComponent() = default;

  AuthComponentOptions options_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<AuthStore> store_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<clients::AuditDeliverer> audit_deliverer_;
  std::unique_ptr<outbox::OutboxRelay> relay_;
  std::unique_ptr<PeriodicTask> purger_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_AUTH_COMPONENT_H_
