#include "services/jobs/retry_policy.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/distributions.h"
#include "absl/time/time.h"

namespace helpdesk::jobs {

absl::Duration RetryPolicy::Ceiling(int failed_attempts) const {
  const absl::Duration cap = std::max(max_delay, absl::ZeroDuration());
  const absl::Duration base = std::max(base_delay, absl::ZeroDuration());
  const int64_t n = std::max(failed_attempts, 1);
  // n^4 overflows nothing below 10^4; past that every ceiling is the cap.
  if (n >= 10'000) return cap;
  return std::min(cap, base * (n * n * n * n));
}

absl::Duration RetryPolicy::Delay(int failed_attempts,
                                  absl::BitGenRef bits) const {
  const int64_t ceiling = absl::ToInt64Microseconds(Ceiling(failed_attempts));
  if (ceiling <= 0) return absl::ZeroDuration();
  return absl::Microseconds(
      absl::Uniform(absl::IntervalClosed, bits, ceiling / 2, ceiling));
}

}  // namespace helpdesk::jobs
