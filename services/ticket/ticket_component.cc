#include "services/ticket/ticket_component.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/db/database.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"
#include "services/ticket/migrations.h"

namespace helpdesk::ticket {

namespace {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "tickets.db").string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TicketComponent>> TicketComponent::Create(
    TicketComponentOptions options, const Clock* clock) {
  std::unique_ptr<TicketComponent> component(new TicketComponent());
  component->options_ = std::move(options);
  if (component->options_.service.page_token_key.empty()) {
    component->options_.service.page_token_key =
        paging::PageTokenKey(component->options_.service_token);
  }
  component->clock_ = clock;
  ASSIGN_OR_RETURN(component->store_,
                   TicketStore::Open(DatabasePath(component->options_.data_dir),
                                     clock, component->options_.db_readers));
  component->service_ = std::make_unique<TicketServiceImpl>(
      component->store_.get(), clock, component->options_.service);
  return component;
}

TicketComponent::~TicketComponent() { StopBackgroundWork(); }

void TicketComponent::StopBackgroundWork() {
  if (relay_ != nullptr) relay_->Stop();
}

absl::Status TicketComponent::StartBackgroundWork(TicketPeers peers) {
  const std::string& token = options_.service_token;
  users_ = std::make_unique<clients::AuthClient>(
      clients::PeerOptions{peers.auth, token});
  audit_reader_ = std::make_unique<clients::AuditReader>(
      clients::PeerOptions{peers.audit, token});
  audit_deliverer_ = std::make_unique<clients::AuditDeliverer>(
      clients::PeerOptions{peers.audit, token});
  jobs_deliverer_ = std::make_unique<clients::JobsDeliverer>(
      clients::PeerOptions{peers.jobs, token});
  ASSIGN_OR_RETURN(
      auto relay_db,
      db::Database::Open(DatabasePath(options_.data_dir), TicketMigrations()));
  relay_ = std::make_unique<outbox::OutboxRelay>(
      std::move(relay_db),
      absl::flat_hash_map<std::string, outbox::Deliverer*>{
          {clients::kAuditDestination, audit_deliverer_.get()},
          {clients::kJobsDestination, jobs_deliverer_.get()}},
      clock_, options_.relay);
  service_->AttachPeers(relay_.get(), users_.get(), audit_reader_.get());
  relay_->Start();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<rpc::RpcServer>> TicketComponent::Serve(
    rpc::ServerOptions options, auth::TokenResolver* resolver) {
  options.interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(
      resolver, options_.service_token));
  return rpc::RpcServer::Start(std::move(options), {service_.get()});
}

}  // namespace helpdesk::ticket
