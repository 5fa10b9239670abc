#ifndef HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_
#define HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace helpdesk::jobs {

// When a failed job runs again: a polynomial backoff, as River (attempt⁴
// seconds) and Sidekiq use, so that the default 25 attempts outlast a long
// outage of a peer instead of being spent in seconds. After its n-th failed
// attempt (n >= 1) a job waits a random time in [C/2, C] with
// C = min(max_delay, base_delay * n^4) ("equal jitter": retries of jobs that
// failed together spread out, and every wait is at least half its ceiling,
// so the schedule's length has a floor).
//
// With the defaults and 25 attempts, the 24 waits add up to 5.4–10.8 days.
// A 24-hour outage uses at most 15 attempts (the floors of the first 15
// waits add up to 24.8 h), a 12-hour one at most 13 (12.4 h). Immutable;
// thread-compatible.
struct RetryPolicy {
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Hours(24);

  // The cap for the n-th failure: min(max_delay, base_delay * n^4).
  absl::Duration Ceiling(int failed_attempts) const;

  // A random delay in [Ceiling / 2, Ceiling].
  absl::Duration Delay(int failed_attempts, absl::BitGenRef bits) const;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_RETRY_POLICY_H_
