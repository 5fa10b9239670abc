#include "services/jobs/retry_policy.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/distributions.h"
#include "absl/time/time.h"

namespace helpdesk::jobs {

absl::Duration RetryPolicy::Ceiling(int failed_attempts) const {
  absl::Duration ceiling = std::max(base_delay, absl::ZeroDuration());
  // Doubling past max_delay changes nothing; stop before it can overflow.
  for (int n = 1; n < failed_attempts && ceiling < max_delay; ++n) {
    ceiling *= 2;
  }
  return std::min(ceiling, std::max(max_delay, absl::ZeroDuration()));
}

absl::Duration RetryPolicy::Delay(int failed_attempts,
                                  absl::BitGenRef bits) const {
  const int64_t ceiling = absl::ToInt64Microseconds(Ceiling(failed_attempts));
  if (ceiling <= 0) return absl::ZeroDuration();
  return absl::Microseconds(
      absl::Uniform(absl::IntervalClosed, bits, int64_t{0}, ceiling));
}

}  // namespace helpdesk::jobs
