#include "services/auth/auth_component.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/db/database.h"
#include "libs/log/log.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"
#include "services/auth/migrations.h"

namespace helpdesk::auth {
namespace {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "auth.db").string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuthComponent>> AuthComponent::Create(
    AuthComponentOptions options, const Clock* clock) {
  std::unique_ptr<AuthComponent> component(new AuthComponent());
  component->options_ = std::move(options);
  if (component->options_.service.page_token_key.empty()) {
    component->options_.service.page_token_key =
        paging::PageTokenKey(component->options_.service_token);
  }
  component->clock_ = clock;
  ASSIGN_OR_RETURN(component->store_,
                   AuthStore::Open(DatabasePath(component->options_.data_dir),
                                   component->options_.db_readers));
  component->service_ = std::make_unique<AuthServiceImpl>(
      component->store_.get(), clock, component->options_.service);
  if (component->options_.seed_demo) {
    RETURN_IF_ERROR(component->service_->SeedDemoAccounts());
  }
  return component;
}

AuthComponent::~AuthComponent() { StopBackgroundWork(); }

void AuthComponent::StopBackgroundWork() {
  if (purger_ != nullptr) purger_->Stop();
  if (relay_ != nullptr) relay_->Stop();
}

absl::StatusOr<std::unique_ptr<rpc::RpcServer>> AuthComponent::Serve(
    rpc::ServerOptions options) {
  options.interceptors.push_back(std::make_unique<AuthInterceptorFactory>(
      token_resolver(), options_.service_token));
  return rpc::RpcServer::Start(std::move(options), {service_.get()});
}

absl::Status AuthComponent::StartBackgroundWork(
    std::shared_ptr<grpc::Channel> audit_channel) {
  ASSIGN_OR_RETURN(
      auto relay_db,
      db::Database::Open(DatabasePath(options_.data_dir), AuthMigrations()));
  audit_deliverer_ = std::make_unique<clients::AuditDeliverer>(
      clients::PeerOptions{std::move(audit_channel), options_.service_token});
  relay_ = std::make_unique<outbox::OutboxRelay>(
      std::move(relay_db),
      absl::flat_hash_map<std::string, outbox::Deliverer*>{
          {clients::kAuditDestination, audit_deliverer_.get()}},
      clock_, options_.relay);
  service_->AttachRelay(relay_.get());
  relay_->Start();
  purger_ = std::make_unique<PeriodicTask>(options_.purge_interval, [this] {
    absl::StatusOr<int> purged = service_->PurgeExpiredSessions();
    if (!purged.ok()) {
      LogWarning("session_purge_failed",
                 {{"error", purged.status().ToString()}});
    } else if (*purged > 0) {
      LogInfo("sessions_purged", {{"count", absl::StrCat(*purged)}});
    }
  });
  return absl::OkStatus();
}

}  // namespace helpdesk::auth
