#include "services/jobs/job_worker_pool.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;

constexpr size_t kMaxErrorBytes = 1024;
constexpr int kPruneBatch = 1000;

// A claim must fit in its lease even if every handler runs to its
// deadline (one handler_timeout of headroom).
int EffectiveClaimBatch(const JobWorkerPoolOptions& options) {
  int fits = 1;
  if (options.handler_timeout > absl::ZeroDuration()) {
    fits = static_cast<int>(
        std::min<int64_t>(1000, options.lease / options.handler_timeout) - 1);
  }
  return std::clamp(options.claim_batch, 1, std::max(1, fits));
}

std::string RandomOwner() {
  absl::BitGen bits;
  return absl::StrCat(
      absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16));
}

std::string ErrorText(const absl::Status& status) {
  std::string text = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  status.message());
  if (text.size() > kMaxErrorBytes) text.resize(kMaxErrorBytes);
  return text;
}

}  // namespace

JobWorkerPool::JobWorkerPool(JobStore* store, JobHandler* handler,
                             const Clock* clock, Options options,
                             db::Lease* prune_lease)
    : store_(store),
      handler_(handler),
      clock_(clock),
      options_(std::move(options)),
      claim_batch_(EffectiveClaimBatch(options_)),
      owner_(options_.owner.empty() ? RandomOwner() : options_.owner),
      prune_lease_(prune_lease) {}

JobWorkerPool::~JobWorkerPool() { Stop(); }

void JobWorkerPool::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (!workers_.empty() || pruner_ != nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
  pruner_ = std::make_unique<PeriodicTask>(options_.prune_interval, [this] {
    if (!db::RunsHere(prune_lease_)) return;  // another replica prunes
    absl::StatusOr<int> pruned = PruneSucceeded();
    if (!pruned.ok()) {
      LogWarning("jobs_prune_failed", {{"error", pruned.status().ToString()}});
    }
  });
}

void JobWorkerPool::Notify() {
  absl::MutexLock lock(&mu_);
  wakeups_ = std::min(wakeups_ + 1, std::max(1, options_.workers));
}

void JobWorkerPool::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  if (pruner_ != nullptr) pruner_->Stop();
  pruner_.reset();
}

bool JobWorkerPool::stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::StatusOr<int> JobWorkerPool::RunOnce() {
  return RunClaim(absl::StrCat(owner_, "/once"));
}

absl::StatusOr<int> JobWorkerPool::RunUntilIdle() {
  int total = 0;
  while (true) {
    ASSIGN_OR_RETURN(int claimed, RunOnce());
    if (claimed == 0) return total;
    total += claimed;
  }
}

absl::StatusOr<int> JobWorkerPool::PruneSucceeded() {
  const absl::Time cutoff = clock_->Now() - options_.retention;
  int total = 0;
  while (true) {
    ASSIGN_OR_RETURN(int pruned, store_->PruneSucceeded(cutoff, kPruneBatch));
    total += pruned;
    if (pruned < kPruneBatch) return total;
  }
}

absl::StatusOr<int> JobWorkerPool::RunClaim(const std::string& owner) {
  ASSIGN_OR_RETURN(
      std::vector<JobRecord> claimed,
      store_->ClaimDue(clock_->Now(), options_.lease, owner, claim_batch_));
  std::vector<AttemptOutcome> outcomes;
  outcomes.reserve(claimed.size());
  for (const JobRecord& job : claimed) {
    if (job.state == Job::DEAD) {
      LogError("job_dead", {{"job_id", absl::StrCat(job.id)},
                            {"type", job.type},
                            {"attempts", absl::StrCat(job.attempts)},
                            {"error", job.last_error}});
      continue;
    }
    if (stopping()) {
      outcomes.push_back({job.id, job.attempts, job.lease_owner,
                          AttemptOutcome::Kind::kReleased});
      continue;
    }
    outcomes.push_back(Attempt(job));
  }
  absl::StatusOr<int> recorded =
      store_->RecordOutcomes(outcomes, clock_->Now());
  if (!recorded.ok()) {
    // The leases expire and the jobs run again; handlers are idempotent.
    LogError("job_outcomes_not_recorded",
             {{"jobs", absl::StrCat(outcomes.size())},
              {"error", recorded.status().ToString()}});
    return recorded.status();
  }
  return static_cast<int>(claimed.size());
}

AttemptOutcome JobWorkerPool::Attempt(const JobRecord& job) {
  AttemptOutcome outcome{job.id, job.attempts, job.lease_owner};
  const absl::Status status =
      handler_->Run(job, absl::Now() + options_.handler_timeout);
  if (status.ok()) return outcome;
  outcome.error = ErrorText(status);
  if (IsPermanentFailure(status) || job.attempts >= job.max_attempts) {
    outcome.kind = AttemptOutcome::Kind::kDead;
    LogError("job_dead", {{"job_id", absl::StrCat(job.id)},
                          {"type", job.type},
                          {"attempts", absl::StrCat(job.attempts)},
                          {"error", outcome.error}});
    return outcome;
  }
  absl::Duration delay;
  {
    absl::MutexLock lock(&bits_mu_);
    delay = options_.retry.Delay(job.attempts, bits_);
  }
  outcome.kind = AttemptOutcome::Kind::kRetry;
  outcome.retry_time = clock_->Now() + delay;
  LogWarning("job_retry", {{"job_id", absl::StrCat(job.id)},
                           {"type", job.type},
                           {"attempts", absl::StrCat(job.attempts)},
                           {"delay", absl::FormatDuration(delay)},
                           {"error", outcome.error}});
  return outcome;
}

void JobWorkerPool::WorkerLoop(int index) {
  const std::string owner = absl::StrCat(owner_, "/", index);
  while (true) {
    absl::StatusOr<int> claimed = RunClaim(owner);
    // A full claim: more may be due. Bring in another worker and go on.
    const bool more = claimed.ok() && *claimed >= claim_batch_;
    if (more) Notify();
    if (!claimed.ok()) {
      LogWarning("job_claim_failed", {{"error", claimed.status().ToString()}});
    }
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (more) continue;
    auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return stopping_ || wakeups_ > 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), options_.poll_interval);
    if (stopping_) return;
    if (wakeups_ > 0) --wakeups_;
  }
}

}  // namespace helpdesk::jobs
