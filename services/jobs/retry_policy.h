#ifndef HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_
#define HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace helpdesk::jobs {

// When a failed job runs again: exponential backoff with full jitter (AWS
// Architecture Blog, "Exponential Backoff And Jitter"). After its n-th
// failed attempt (n >= 1) a job waits a uniformly random time in
// [0, min(max_delay, base_delay * 2^(n-1))]. Full jitter spreads the
// retries of jobs that failed together (a peer outage) instead of sending
// them back in waves. Immutable; thread-compatible.
struct RetryPolicy {
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(5);

  // The cap for the n-th failure: min(max_delay, base_delay * 2^(n-1)).
  absl::Duration Ceiling(int failed_attempts) const;

  // A random delay in [0, Ceiling(failed_attempts)].
  absl::Duration Delay(int failed_attempts, absl::BitGenRef bits) const;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_
