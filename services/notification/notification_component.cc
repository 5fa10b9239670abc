#include "services/notification/notification_component.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"

namespace helpdesk::notification {
namespace {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "notifications.db").string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationComponent>>
NotificationComponent::Create(NotificationComponentOptions options,
                              const Clock* clock,
                              auth::TokenResolver* resolver) {
  std::unique_ptr<NotificationComponent> component(new NotificationComponent());
  component->options_ = std::move(options);
  component->resolver_ = resolver;
  NotificationComponentOptions& opts = component->options_;
  if (opts.service.page_token_key.empty()) {
    opts.service.page_token_key = paging::PageTokenKey(opts.service_token);
  }
  ASSIGN_OR_RETURN(
      component->store_,
      NotificationStore::Open(DatabasePath(opts.data_dir), opts.db_readers));
  NotificationStore* store = component->store_.get();
  component->hub_ = std::make_unique<WatchHub>(
      [store](int64_t user_id) { return store->GetUnreadCount(user_id); },
      resolver, opts.watch);
  component->service_ = std::make_unique<NotificationServiceImpl>(
      store, component->hub_.get(), clock, opts.service);
  return component;
}

NotificationComponent::~NotificationComponent() { StopWatches(); }

void NotificationComponent::StopWatches() {
  hub_->Close(absl::UnavailableError("the server is shutting down; reconnect"));
}

void NotificationComponent::EndSessionWatches(absl::string_view session_token) {
  hub_->EndSessionWatchers(session_token);
}

absl::StatusOr<std::unique_ptr<rpc::RpcServer>> NotificationComponent::Serve(
    rpc::ServerOptions options) {
  options.interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(
      resolver_, options_.service_token));
  return rpc::RpcServer::Start(std::move(options), {service_.get()});
}

}  // namespace helpdesk::notification
