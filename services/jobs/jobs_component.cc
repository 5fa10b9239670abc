#include "services/jobs/jobs_component.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/clients/call_context.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"
#include "services/jobs/job_validation.h"

namespace helpdesk::jobs {
namespace {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "jobs.db").string();
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobsComponent>> JobsComponent::Create(
    JobsComponentOptions options, const Clock* clock) {
  if (options.workers.lease <= options.workers.handler_timeout) {
    return absl::InvalidArgumentError(
        "the lease must be longer than the handler timeout");
  }
  if (options.service.default_max_attempts < 1 ||
      options.service.default_max_attempts > kMaxMaxAttempts) {
    return absl::InvalidArgumentError("max_attempts must be 1 to 100");
  }
  std::unique_ptr<JobsComponent> component(new JobsComponent());
  component->options_ = std::move(options);
  component->clock_ = clock;
  JobsComponentOptions& opts = component->options_;
  if (opts.service.page_token_key.empty()) {
    opts.service.page_token_key = paging::PageTokenKey(opts.service_token);
  }
  ASSIGN_OR_RETURN(component->store_,
                   JobStore::Open(DatabasePath(opts.data_dir)));
  component->service_ = std::make_unique<JobServiceImpl>(
      component->store_.get(), clock, opts.service);
  return component;
}

JobsComponent::~JobsComponent() { StopBackgroundWork(); }

absl::Status JobsComponent::StartBackgroundWork(JobsPeers peers) {
  if (workers_ != nullptr) {
    return absl::FailedPreconditionError("background work already started");
  }
  const std::string& token = options_.service_token;
  notifications_ = std::make_unique<clients::NotificationClient>(
      clients::PeerOptions{peers.notification, token, options_.peer_deadline});
  admins_ = std::make_unique<clients::AuthClient>(
      clients::PeerOptions{peers.auth, token, options_.peer_deadline});
  tickets_ = std::make_unique<clients::TicketClient>(
      clients::PeerOptions{peers.ticket, token, options_.sweep_deadline});
  handler_ =
      std::make_unique<FanOutHandler>(notifications_.get(), admins_.get());
  workers_ = std::make_unique<JobWorkerPool>(store_.get(), handler_.get(),
                                             clock_, options_.workers);
  scheduler_ = std::make_unique<EscalationScheduler>(tickets_.get(),
                                                     options_.escalation);
  service_->AttachPeers(workers_.get(), scheduler_.get());
  workers_->Start();
  scheduler_->Start();
  // Jobs enqueued before the workers started are due now.
  workers_->Notify();
  return absl::OkStatus();
}

void JobsComponent::StopBackgroundWork() {
  if (scheduler_ != nullptr) scheduler_->Stop();
  if (workers_ != nullptr) workers_->Stop();
}

absl::StatusOr<std::unique_ptr<rpc::RpcServer>> JobsComponent::Serve(
    rpc::ServerOptions options, auth::TokenResolver* resolver) {
  options.interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(
      resolver, options_.service_token));
  return rpc::RpcServer::Start(std::move(options), {service_.get()});
}

}  // namespace helpdesk::jobs
