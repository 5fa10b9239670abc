#include "services/auth/auth_component.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/log/log.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"

namespace helpdesk::auth {

absl::StatusOr<std::unique_ptr<AuthComponent>> AuthComponent::Create(
    AuthComponentOptions options, const Clock* clock, const rpc::Peers& peers) {
  std::unique_ptr<AuthComponent> component(new AuthComponent());
  component->options_ = std::move(options);
  AuthComponentOptions& opts = component->options_;
  if (opts.service.page_token_key.empty()) {
    opts.service.page_token_key = paging::PageTokenKey(opts.service_token);
  }
  ASSIGN_OR_RETURN(component->store_,
                   AuthStore::Open(opts.storage.For("auth", opts.db_readers)));
  component->audit_deliverer_ = std::make_unique<clients::AuditDeliverer>(
      clients::PeerOptions{peers.audit, opts.service_token});
  component->relay_ = std::make_unique<outbox::OutboxRelay>(
      &component->store_->db(),
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
