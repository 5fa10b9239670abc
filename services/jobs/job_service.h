#ifndef HELPDESK_SERVICES_JOBS_JOB_SERVICE_H_
#define HELPDESK_SERVICES_JOBS_JOB_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/paging/page_token.h"
#include "services/jobs/escalation_scheduler.h"
#include "services/jobs/job_store.h"
#include "services/jobs/job_worker_pool.h"

namespace helpdesk::jobs {

struct JobServiceOptions {
  // max_attempts of a job whose EnqueueJobRequest leaves it 0. With the
  // RetryPolicy's defaults, 25 attempts span 5.4 to 10.8 days (River and
  // Sidekiq also retry 25 times), so a peer that is down for a day costs no
  // job and needs no admin.
  int default_max_attempts = 25;
  std::string page_token_key;
};

// helpdesk.jobs.v1.JobService: the internal EnqueueJob (idempotent on
// dedupe_key), the admin view of the queue (GetJob, ListJobs, RetryJob) and
// the on-demand escalation sweep. Synchronous handlers: each is one short
// SQLite statement, except RunEscalationSweep, which waits for the sweep's
// calls to the ticket service (see the folder's README).
//
// `workers` are woken when a job becomes due; `sweeps` runs the sweep of
// RunEscalationSweep (UNAVAILABLE while null). The store, clock, workers and
// sweeps must outlive the service.
// Thread-safe.
class JobServiceImpl final : public ::helpdesk::jobs::v1::JobService::Service {
 public:
  JobServiceImpl(JobStore* store, const Clock* clock, JobServiceOptions options,
                 JobWorkerPool* workers, EscalationScheduler* sweeps);

  grpc::Status EnqueueJob(grpc::ServerContext* context,
                          const v1::EnqueueJobRequest* request,
                          v1::Job* response) override;
  grpc::Status GetJob(grpc::ServerContext* context,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status RetryJob(grpc::ServerContext* context,
                        const v1::RetryJobRequest* request,
                        v1::Job* response) override;
  grpc::Status RunEscalationSweep(
      grpc::ServerContext* context,
      const v1::RunEscalationSweepRequest* request,
      v1::RunEscalationSweepResponse* response) override;

 private:
  absl::StatusOr<v1::Job> DoEnqueue(const grpc::ServerContext& context,
                                    const v1::EnqueueJobRequest& request);
  absl::StatusOr<v1::Job> DoGet(const grpc::ServerContext& context,
                                const v1::GetJobRequest& request);
  absl::StatusOr<v1::ListJobsResponse> DoList(
      const grpc::ServerContext& context, const v1::ListJobsRequest& request);
  absl::StatusOr<v1::Job> DoRetry(const grpc::ServerContext& context,
                                  const v1::RetryJobRequest& request);
  absl::StatusOr<v1::RunEscalationSweepResponse> DoSweep(
      const grpc::ServerContext& context);
  void WakeWorkers();

  JobStore* const store_;
  const Clock* const clock_;
  const JobServiceOptions options_;
  const paging::PageTokenCodec page_tokens_;
  JobWorkerPool* const workers_;
  EscalationScheduler* const sweeps_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_SERVICE_H_
