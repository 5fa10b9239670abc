#ifndef HELPDESK_SERVICES_JOBS_JOB_VALIDATION_H_
#define HELPDESK_SERVICES_JOBS_JOB_VALIDATION_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "services/jobs/job_store.h"

namespace helpdesk::jobs {

// The job an EnqueueJobRequest asks for, due at its run_time or `now`, or
// INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad field:
//   type         required; up to 100 of [a-z0-9._-]. A type this build
//                does not know is accepted (the worker sends it DEAD at once
//                with a clear error), so that one job from a newer producer
//                cannot wedge the producer's outbox, which delivers in order.
//   payload      required; for a known type, that type's payload message.
//   dedupe_key   1-200 characters, no control characters.
//   max_attempts not negative; 0 means `default_max_attempts`; above 100
//                is clamped to 100.
//   run_time     a valid timestamp when set.
absl::StatusOr<JobRecord> ValidateEnqueueRequest(
    const ::helpdesk::jobs::v1::EnqueueJobRequest& request,
    int default_max_attempts, absl::Time now);

inline constexpr int kMaxMaxAttempts = 100;

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_VALIDATION_H_
