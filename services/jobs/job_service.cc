#include "services/jobs/job_service.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/principal.h"
#include "libs/log/log.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "services/jobs/job_validation.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::auth::v1::User;
using ::helpdesk::jobs::v1::Job;

Job ToProto(const JobRecord& record) {
  Job job;
  job.set_id(record.id);
  job.set_type(record.type);
  job.set_state(record.state);
  job.set_attempts(record.attempts);
  job.set_max_attempts(record.max_attempts);
  *job.mutable_run_time() = ToTimestamp(record.run_time);
  if (record.lease_expire_time.has_value()) {
    *job.mutable_lease_expire_time() = ToTimestamp(*record.lease_expire_time);
  }
  job.set_last_error(record.last_error);
  job.set_dedupe_key(record.dedupe_key);
  if (!job.mutable_payload()->ParseFromString(record.payload)) {
    job.clear_payload();
  }
  *job.mutable_create_time() = ToTimestamp(record.create_time);
  *job.mutable_update_time() = ToTimestamp(record.update_time);
  return job;
}

std::string ListScope(Job::State state) {
  return absl::StrCat("ListJobs/state=", static_cast<int>(state));
}

}  // namespace

JobServiceImpl::JobServiceImpl(JobStore* store, const Clock* clock,
                               JobServiceOptions options,
                               JobWorkerPool* workers,
                               EscalationScheduler* sweeps)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      page_tokens_(options_.page_token_key),
      workers_(workers),
      sweeps_(sweeps) {}

void JobServiceImpl::WakeWorkers() {
  if (workers_ != nullptr) workers_->Notify();
}

grpc::Status JobServiceImpl::EnqueueJob(grpc::ServerContext* context,
                                        const v1::EnqueueJobRequest* request,
                                        v1::Job* response) {
  return rpc::Reply(context, DoEnqueue(*context, *request), response);
}

absl::StatusOr<Job> JobServiceImpl::DoEnqueue(
    const grpc::ServerContext& context, const v1::EnqueueJobRequest& request) {
  RETURN_IF_ERROR(auth::RequireServiceCaller(context));
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(
      JobRecord job,
      ValidateEnqueueRequest(request, options_.default_max_attempts, now));
  ASSIGN_OR_RETURN(EnqueueResult result, store_->Enqueue(job));
  if (result.created && result.job.run_time <= now) WakeWorkers();
  return ToProto(result.job);
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* context,
                                    const v1::GetJobRequest* request,
                                    v1::Job* response) {
  return rpc::Reply(context, DoGet(*context, *request), response);
}

absl::StatusOr<Job> JobServiceImpl::DoGet(const grpc::ServerContext& context,
                                          const v1::GetJobRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(context, User::ADMIN).status());
  ASSIGN_OR_RETURN(JobRecord job, store_->Get(request.id()));
  return ToProto(job);
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  return rpc::Reply(context, DoList(*context, *request), response);
}

absl::StatusOr<v1::ListJobsResponse> JobServiceImpl::DoList(
    const grpc::ServerContext& context, const v1::ListJobsRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(context, User::ADMIN).status());
  if (!Job::State_IsValid(request.state())) {
    return InvalidArgumentWithViolations("invalid state",
                                         {{"state", "unknown state"}});
  }
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  const std::string scope = ListScope(request.state());
  int64_t before_id = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(scope, request.page_token(), 1));
    before_id = keys[0];
  }
  ASSIGN_OR_RETURN(std::vector<JobRecord> jobs,
                   store_->List(request.state(), before_id, page_size + 1));
  v1::ListJobsResponse response;
  const bool more = static_cast<int>(jobs.size()) > page_size;
  if (more) jobs.pop_back();
  for (const JobRecord& job : jobs) *response.add_jobs() = ToProto(job);
  if (more) {
    response.set_next_page_token(
        page_tokens_.EncodeKeys(scope, {jobs.back().id}));
  }
  return response;
}

grpc::Status JobServiceImpl::RetryJob(grpc::ServerContext* context,
                                      const v1::RetryJobRequest* request,
                                      v1::Job* response) {
  return rpc::Reply(context, DoRetry(*context, *request), response);
}

absl::StatusOr<Job> JobServiceImpl::DoRetry(
    const grpc::ServerContext& context, const v1::RetryJobRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal admin,
                   auth::RequireRole(context, User::ADMIN));
  ASSIGN_OR_RETURN(JobRecord job, store_->Retry(request.id(), clock_->Now()));
  LogInfo("job_retried", {{"job_id", absl::StrCat(job.id)},
                          {"type", job.type},
                          {"admin_id", absl::StrCat(admin.user_id)}});
  WakeWorkers();
  return ToProto(job);
}

grpc::Status JobServiceImpl::RunEscalationSweep(
    grpc::ServerContext* context,
    const v1::RunEscalationSweepRequest* /*request*/,
    v1::RunEscalationSweepResponse* response) {
  return rpc::Reply(context, DoSweep(*context), response);
}

absl::StatusOr<v1::RunEscalationSweepResponse> JobServiceImpl::DoSweep(
    const grpc::ServerContext& context) {
  RETURN_IF_ERROR(auth::RequireRole(context, User::ADMIN).status());
  if (sweeps_ == nullptr) {
    return absl::UnavailableError("escalation sweeps are not available");
  }
  absl::StatusOr<int> escalated = sweeps_->RunSweep();
  if (!escalated.ok()) {
    const absl::StatusCode code = escalated.status().code();
    if (code == absl::StatusCode::kUnavailable ||
        code == absl::StatusCode::kDeadlineExceeded) {
      return absl::UnavailableError(
          absl::StrCat("the ticket service cannot be reached: ",
                       escalated.status().message()));
    }
    // Anything else is our configuration or a bug (e.g. a service
    // credential the ticket service refuses), not the caller's business.
    return absl::InternalError(absl::StrCat("escalation sweep failed: ",
                                            escalated.status().ToString()));
  }
  v1::RunEscalationSweepResponse response;
  response.set_escalated_count(*escalated);
  return response;
}

}  // namespace helpdesk::jobs
