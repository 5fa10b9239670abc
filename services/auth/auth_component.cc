#include "services/auth/auth_component.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
    AuthComponentOptions options, const Clock* clock, const rpc::Peers& peers) {
  std::unique_ptr<AuthComponent> component(new AuthComponent());
  component->options_ = std::move(options);
  AuthComponentOptions& opts = component->options_;
  if (opts.service.page_token_key.empty()) {
    opts.service.page_token_key = paging::PageTokenKey(opts.service_token);
  }
  const std::string path = DatabasePath(opts.data_dir);
  ASSIGN_OR_RETURN(component->store_, AuthStore::Open(path, opts.db_readers));
  ASSIGN_OR_RETURN(auto relay_db, db::Database::Open(path, AuthMigrations()));
  component->audit_deliverer_ = std::make_unique<clients::AuditDeliverer>(
      clients::PeerOptions{peers.audit, opts.service_token});
  component->relay_ = std::make_unique<outbox::OutboxRelay>(
      std::move(relay_db),
      absl::flat_hash_map<std::string, outbox::Deliverer*>{
          {clients::kAuditDestination, component->audit_deliverer_.get()}},
      clock, opts.relay);
  component->service_ = std::make_unique<AuthServiceImpl>(
      component->store_.get(), clock, opts.service, component->relay_.get());
  if (opts.seed_demo) {
    RETURN_IF_ERROR(component->service_->SeedDemoAccounts());
  }
  return component;
}

AuthComponent::~AuthComponent() { Stop(); }

void AuthComponent::Stop() {
  purger_.reset();  // stops its thread
  relay_->Stop();
}

absl::Status AuthComponent::Start() {
  relay_->Start();
  if (purger_ != nullptr) return absl::OkStatus();
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
