#ifndef HELPDESK_SERVICES_JOBS_JOB_HANDLER_H_
#define HELPDESK_SERVICES_JOBS_JOB_HANDLER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/jobs/job_store.h"

namespace helpdesk::jobs {

// Runs the attempts of jobs: the seam between the queue (JobWorkerPool)
// and what jobs do (FanOutHandler; tests substitute their own).
//
// Run() gets a claimed job and returns OK once the job's effect is done.
// It must return by `deadline` (real time), e.g. by giving every RPC it
// makes that deadline. A job can run more than once (a lease that expired,
// a crash before the outcome was stored), so Run() must be idempotent.
// Errors that no retry can fix — a malformed payload, a job type nobody
// handles, a subject that no longer exists — are INVALID_ARGUMENT,
// UNIMPLEMENTED or NOT_FOUND, and send the job DEAD at once; any other
// error (a peer that is down, a deadline) is retried with backoff (see
// IsPermanentFailure and RetryPolicy).
// Implementations are thread-safe: workers call Run() concurrently.
class JobHandler {
 public:
  virtual ~JobHandler() = default;
  virtual absl::Status Run(const JobRecord& job, absl::Time deadline) = 0;
};

// Whether a handler's error means "do not retry".
inline bool IsPermanentFailure(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kUnimplemented ||
         status.code() == absl::StatusCode::kNotFound;
}

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_HANDLER_H_
