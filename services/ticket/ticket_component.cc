#include "services/ticket/ticket_component.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"

namespace helpdesk::ticket {

absl::StatusOr<std::unique_ptr<TicketComponent>> TicketComponent::Create(
    TicketComponentOptions options, const Clock* clock,
    const rpc::Peers& peers) {
  std::unique_ptr<TicketComponent> component(new TicketComponent());
  if (options.service.page_token_key.empty()) {
    options.service.page_token_key =
        paging::PageTokenKey(options.service_token);
  }
  ASSIGN_OR_RETURN(
      component->store_,
      TicketStore::Open(options.storage.For("tickets", options.db_readers),
                        clock));
  const std::string& token = options.service_token;
  component->users_ = std::make_unique<clients::AuthClient>(
      clients::PeerOptions{peers.auth, token});
  component->audit_reader_ = std::make_unique<clients::AuditReader>(
      clients::PeerOptions{peers.audit, token});
  component->audit_deliverer_ = std::make_unique<clients::AuditDeliverer>(
      clients::PeerOptions{peers.audit, token});
  component->jobs_deliverer_ = std::make_unique<clients::JobsDeliverer>(
      clients::PeerOptions{peers.jobs, token});
  component->relay_ = std::make_unique<outbox::OutboxRelay>(
      &component->store_->db(),
      absl::flat_hash_map<std::string, outbox::Deliverer*>{
          {clients::kAuditDestination, component->audit_deliverer_.get()},
          {clients::kJobsDestination, component->jobs_deliverer_.get()}},
      clock, options.relay);
  component->service_ = std::make_unique<TicketServiceImpl>(
      component->store_.get(), clock, options.service,
      TicketServicePeers{.relay = component->relay_.get(),
                         .users = component->users_.get(),
                         .audit = component->audit_reader_.get()});
  return component;
}

TicketComponent::~TicketComponent() { Stop(); }

absl::Status TicketComponent::Start() {
  relay_->Start();
  return absl::OkStatus();
}

void TicketComponent::Stop() { relay_->Stop(); }

}  // namespace helpdesk::ticket
