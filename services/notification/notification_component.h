#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/rpc/server.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {

struct NotificationComponentOptions {
  std::string data_dir;  // holds notifications.db
  std::string service_token;
  // Read-only connections to notifications.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  NotificationServiceOptions service;
  WatchHubOptions watch;
};

// Wires the notification service: opens notifications.db and builds the
// store, the watch hub (with its worker thread) and the service.
// notification_server and helpdeskd both assemble the service through this
// class. Owns everything it creates.
//
// `resolver` turns session tokens into principals: the interceptor of
// Serve() uses it, and the hub re-checks open streams' sessions with it.
// It and `clock` must outlive the component.
//
// Shutting down: call StopWatches() before shutting down the server that
// hosts service(), so that open WatchNotifications streams end at once
// (UNAVAILABLE, as the proto documents) instead of holding the server's
// shutdown for its whole grace period. The server must be shut down before
// the component is destroyed.
class NotificationComponent final {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationComponent>> Create(
      NotificationComponentOptions options, const Clock* clock,
      auth::TokenResolver* resolver);

  ~NotificationComponent();

  // For registering on a server (helpdeskd's shared one, behind its auth
  // interceptor).
  grpc::Service* service() { return service_.get(); }

  WatchHub* watch_hub() { return hub_.get(); }

  // Ends, with UNAUTHENTICATED, the open watch streams of the session
  // `session_token` at once. For a host that learns of ended sessions in
  // process (helpdeskd: AuthServiceImpl::OnSessionEnded); elsewhere the
  // hub's session rounds end them within options.watch's
  // session_check_interval plus the resolver's cache ttl.
  void EndSessionWatches(absl::string_view session_token);

  // Ends every open watch stream with UNAVAILABLE and refuses new ones.
  // Idempotent.
  void StopWatches();

  // Starts a server for notification alone (notification_server, tests,
  // benchmarks): the service behind the auth interceptor (with `resolver`),
  // on `options`' address.
  absl::StatusOr<std::unique_ptr<rpc::RpcServer>> Serve(
      rpc::ServerOptions options);

 private:
  NotificationComponent() = default;

  NotificationComponentOptions options_;
  auth::TokenResolver* resolver_ = nullptr;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<NotificationServiceImpl> service_;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_
