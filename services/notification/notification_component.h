#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clock/clock.h"
#include "libs/db/pg/listener.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {

struct NotificationComponentOptions {
  // Where the service keeps its data: its SQLite file in storage.data_dir,
  // or its schema of storage.database_url.
  db::Storage storage;
  std::string service_token;
  // Read-only connections to notifications.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
  NotificationServiceOptions service;
  WatchHubOptions watch;
};

// The notification service as a component (see libs/rpc/component.h):
// notifications.db, the watch hub (with its worker thread) and the service.
// It calls no peer. notification_server and helpdeskd both assemble the
// service through this class. Owns everything it creates.
//
// `resolver` turns session tokens into principals: the hub re-checks open
// streams' sessions with it (the host's server interceptor uses the same
// one). It and `clock` must outlive the component.
class NotificationComponent final : public rpc::Component {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationComponent>> Create(
      NotificationComponentOptions options, const Clock* clock,
      auth::TokenResolver* resolver);

  ~NotificationComponent() override;

  NotificationServiceImpl* service() { return service_.get(); }
  WatchHub* watch_hub() { return hub_.get(); }

  // Ends, with UNAUTHENTICATED, the open watch streams of the session
  // `session_token` at once. For a host that learns of ended sessions in
  // process (helpdeskd: AuthServiceImpl::OnSessionEnded); elsewhere the
  // hub's session rounds end them within options.watch's
  // session_check_interval plus the resolver's cache ttl.
  void EndSessionWatches(absl::string_view session_token);

  std::vector<grpc::Service*> services() override { return {service_.get()}; }
  // The hub's thread runs from Create() on. On PostgreSQL, starts
  // listening for other replicas' changes, which this replica's watchers
  // then hear of too.
  absl::Status Start() override;
  // Ends every open watch stream with UNAVAILABLE (as the proto documents)
  // and refuses new ones, so that streams do not hold the server's shutdown
  // for its whole grace period. For good: a stopped component serves no
  // more streams.
  void Stop() override;

 private:
  NotificationComponent() = default;

  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<NotificationServiceImpl> service_;
  std::unique_ptr<db::pg::Listener> listener_;  // PostgreSQL, while started
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_COMPONENT_H_
