#ifndef HELPDESK_LIBS_CLOCK_CLOCK_H_
#define HELPDESK_LIBS_CLOCK_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace helpdesk {

// The source of "now" for every piece of time-based logic (session expiry,
// rate limits, leases, backoff, escalation). Production code gets a
// RealClock; tests get a ManualClock and move time by hand instead of
// sleeping. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Wall-clock time.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  void Advance(absl::Duration delta) {
    absl::MutexLock lock(&mu_);
    now_ += delta;
  }

  void Set(absl::Time time) {
    absl::MutexLock lock(&mu_);
    now_ = time;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_CLOCK_CLOCK_H_
