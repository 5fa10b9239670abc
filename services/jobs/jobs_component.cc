#include "services/jobs/jobs_component.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/clients/call_context.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"
#include "services/jobs/job_validation.h"

namespace helpdesk::jobs {
absl::StatusOr<std::unique_ptr<JobsComponent>> JobsComponent::Create(
    JobsComponentOptions options, const Clock* clock, const rpc::Peers& peers) {
  if (options.workers.lease <= options.workers.handler_timeout) {
    return absl::InvalidArgumentError(
        "the lease must be longer than the handler timeout");
  }
  if (options.service.default_max_attempts < 1 ||
      options.service.default_max_attempts > kMaxMaxAttempts) {
    return absl::InvalidArgumentError("max_attempts must be 1 to 100");
  }
  std::unique_ptr<JobsComponent> component(new JobsComponent());
  if (options.service.page_token_key.empty()) {
    options.service.page_token_key =
        paging::PageTokenKey(options.service_token);
  }
  ASSIGN_OR_RETURN(component->store_,
                   JobStore::Open(options.storage.For("jobs")));
  const std::string& token = options.service_token;
  component->notifications_ = std::make_unique<clients::NotificationClient>(
      clients::PeerOptions{peers.notification, token, options.peer_deadline});
  component->admins_ = std::make_unique<clients::AuthClient>(
      clients::PeerOptions{peers.auth, token, options.peer_deadline});
  component->tickets_ = std::make_unique<clients::TicketClient>(
      clients::PeerOptions{peers.ticket, token, options.sweep_deadline});
  component->handler_ = std::make_unique<FanOutHandler>(
      component->notifications_.get(), component->admins_.get());
  // Several replicas may share a PostgreSQL schema: one at a time sweeps
  // and prunes. A lease outlives a few of its intervals, so its holder
  // keeps it while it lives.
  if (component->store_->db().engine() == db::Engine::kPostgres) {
    auto lease_for = [&](const char* name, absl::Duration interval) {
      return std::make_unique<db::Lease>(
          &component->store_->db(), name, clock,
          std::max(absl::Seconds(10), 3 * interval));
    };
    component->sweep_lease_ =
        lease_for("escalation_sweep", options.escalation.sweep_interval);
    component->prune_lease_ =
        lease_for("jobs_prune", options.workers.prune_interval);
  }
  component->workers_ = std::make_unique<JobWorkerPool>(
      component->store_.get(), component->handler_.get(), clock,
      options.workers, component->prune_lease_.get());
  component->scheduler_ = std::make_unique<EscalationScheduler>(
      component->tickets_.get(), options.escalation,
      component->sweep_lease_.get());
  component->service_ = std::make_unique<JobServiceImpl>(
      component->store_.get(), clock, options.service,
      component->workers_.get(), component->scheduler_.get());
  return component;
}

JobsComponent::~JobsComponent() { Stop(); }

absl::Status JobsComponent::Start() {
  workers_->Start();
  // On PostgreSQL, jobs enqueued by other processes (ticket replicas' relays
  // calling another jobs replica, RetryJob there) wake these workers too.
  ASSIGN_OR_RETURN(listener_, store_->ListenForJobs([workers = workers_.get()] {
    workers->Notify();
  }));
  scheduler_->Start();
  // Jobs enqueued before the workers started are due now.
  workers_->Notify();
  return absl::OkStatus();
}

void JobsComponent::Stop() {
  listener_.reset();  // no wake-up after this
  scheduler_->Stop();
  workers_->Stop();
}

}  // namespace helpdesk::jobs
