#include "services/notification/notification_component.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"

namespace helpdesk::notification {
absl::StatusOr<std::unique_ptr<NotificationComponent>>
NotificationComponent::Create(NotificationComponentOptions options,
                              const Clock* clock,
                              auth::TokenResolver* resolver) {
  std::unique_ptr<NotificationComponent> component(new NotificationComponent());
  NotificationComponentOptions& opts = options;
  if (opts.service.page_token_key.empty()) {
    opts.service.page_token_key = paging::PageTokenKey(opts.service_token);
  }
  ASSIGN_OR_RETURN(component->store_, NotificationStore::Open(opts.storage.For(
                                          "notifications", opts.db_readers)));
  NotificationStore* store = component->store_.get();
  component->hub_ = std::make_unique<WatchHub>(
      [store](int64_t user_id) { return store->GetUnreadCount(user_id); },
      resolver, opts.watch);
  component->service_ = std::make_unique<NotificationServiceImpl>(
      store, component->hub_.get(), clock, opts.service);
  return component;
}

NotificationComponent::~NotificationComponent() { Stop(); }

absl::Status NotificationComponent::Start() {
  ASSIGN_OR_RETURN(
      listener_,
      store_->ListenForChanges(
          [service = service_.get()](int64_t user_id, int64_t notification_id) {
            service->PublishRemoteChange(user_id, notification_id);
          }));
  return absl::OkStatus();
}

void NotificationComponent::Stop() {
  listener_.reset();  // no remote change after this
  hub_->Close(absl::UnavailableError("the server is shutting down; reconnect"));
}

void NotificationComponent::EndSessionWatches(absl::string_view session_token) {
  hub_->EndSessionWatchers(session_token);
}

}  // namespace helpdesk::notification
