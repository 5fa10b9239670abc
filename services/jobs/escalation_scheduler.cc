#include "services/jobs/escalation_scheduler.h"

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/log/log.h"

namespace helpdesk::jobs {
namespace {

// A bound on the calls of one sweep, should the ticket service keep
// answering full batches.
constexpr int kMaxCallsPerSweep = 100'000;

}  // namespace

EscalationScheduler::EscalationScheduler(clients::TicketClient* tickets,
                                         EscalationOptions options,
                                         db::Lease* lease)
    : tickets_(tickets), options_(std::move(options)), lease_(lease) {}

EscalationScheduler::~EscalationScheduler() { Stop(); }

void EscalationScheduler::Start() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (task_ != nullptr) return;
  if (options_.sweep_interval <= absl::ZeroDuration() ||
      options_.sweep_interval == absl::InfiniteDuration()) {
    return;
  }
  task_ = std::make_unique<PeriodicTask>(options_.sweep_interval, [this] {
    if (!db::RunsHere(lease_)) return;  // another replica sweeps
    absl::StatusOr<int> escalated = RunSweep();
    if (!escalated.ok()) {
      LogWarning("escalation_sweep_failed",
                 {{"error", escalated.status().ToString()}});
    }
  });
}

void EscalationScheduler::Stop() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (task_ != nullptr) task_->Stop();
  task_.reset();
}

absl::StatusOr<int> EscalationScheduler::RunSweep() {
  {
    absl::MutexLock lock(&mu_);
    if (running_) {
      const int64_t running = finished_ + 1;
      auto done = [this, running]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return finished_ >= running;
      };
      ++waiting_;
      mu_.Await(absl::Condition(&done));
      --waiting_;
      return last_result_;
    }
    running_ = true;
  }
  absl::StatusOr<int> result = Sweep();
  absl::MutexLock lock(&mu_);
  running_ = false;
  ++finished_;
  last_result_ = result;
  return result;
}

int EscalationScheduler::waiting() {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

absl::StatusOr<int> EscalationScheduler::Sweep() {
  const absl::Time start = absl::Now();
  int total = 0;
  for (int call = 0; call < kMaxCallsPerSweep; ++call) {
    absl::StatusOr<::helpdesk::tickets::v1::EscalateOverdueResponse> response =
        tickets_->EscalateOverdue(options_.escalate_after, options_.batch_size);
    if (!response.ok()) return response.status();
    total += response->escalated_count();
    if (response->escalated_count() < options_.batch_size) break;
  }
  if (total > 0) {
    LogInfo(
        "escalation_sweep",
        {{"escalated", absl::StrCat(total)},
         {"ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
  }
  return total;
}

}  // namespace helpdesk::jobs
