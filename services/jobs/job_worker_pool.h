#ifndef HELPDESK_SERVICES_JOBS_JOB_WORKER_POOL_H_
#define HELPDESK_SERVICES_JOBS_JOB_WORKER_POOL_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/concurrency/periodic_task.h"
#include "libs/db/lease.h"
#include "services/jobs/job_handler.h"
#include "services/jobs/job_store.h"
#include "services/jobs/retry_policy.h"

namespace helpdesk::jobs {

struct JobWorkerPoolOptions {
  // Worker threads Start() runs. 0 runs none: the owner (a test) calls
  // RunOnce() instead.
  int workers = 4;
  // Most jobs one worker claims at a time. Clamped so that a worker can run
  // a whole claim within the lease even if every handler uses its whole
  // handler_timeout: claim_batch * handler_timeout < lease.
  int claim_batch = 4;
  // How long a claim holds a job; a job whose lease expires is claimed
  // again (its worker is presumed dead).
  absl::Duration lease = absl::Seconds(60);
  // Real time one handler call gets (its deadline).
  absl::Duration handler_timeout = absl::Seconds(10);
  // Real time an idle worker waits for Notify() before looking anyway (for
  // jobs that become due later and expired leases).
  absl::Duration poll_interval = absl::Seconds(1);
  RetryPolicy retry;
  // SUCCEEDED jobs are deleted this long after they finished, checked every
  // prune_interval (real time) while started.
  absl::Duration retention = absl::Hours(24 * 7);
  absl::Duration prune_interval = absl::Minutes(1);
  // Leases are taken as "<owner>/<worker>"; empty: a random id per pool.
  std::string owner;
};

// Runs the queue: workers claim due jobs from the store (one statement, see
// JobStore::ClaimDue), run each through the handler with a deadline, and
// record the outcomes of a claim in one transaction:
//
//   OK                          → SUCCEEDED
//   permanent error (see        → DEAD with last_error
//     IsPermanentFailure), or
//     the job's last attempt
//   other error                 → QUEUED again after RetryPolicy's backoff
//                                 (equal jitter), with last_error
//
// Wake-up: Notify() (after an enqueue or a retry) wakes one idle worker at
// once; a worker whose claim came back full wakes another and claims
// again, so a backlog spreads over the pool. Idle workers also look every
// poll_interval, for jobs that became due by time and for expired leases.
// Time for leases, backoff and retention comes from the Clock; handler
// deadlines and waits are real time.
//
// Stop() lets each worker finish the job it is running; the rest of its
// claim is released (QUEUED, attempt not counted) rather than left to a
// lease.
//
// Thread-safe. The store, handler and clock are not owned and must outlive
// the pool.
class JobWorkerPool final {
 public:
  using Options = JobWorkerPoolOptions;

  // `prune_lease` (not owned, may be null): with several replicas, only the
  // one that holds it prunes.
  JobWorkerPool(JobStore* store, JobHandler* handler, const Clock* clock,
                Options options, db::Lease* prune_lease = nullptr);
  ~JobWorkerPool();  // Stop()
  JobWorkerPool(const JobWorkerPool&) = delete;
  JobWorkerPool& operator=(const JobWorkerPool&) = delete;

  // Starts the workers and the pruning task. No-op if started.
  void Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_);

  // Wakes an idle worker: a job is due now. Cheap; call it after enqueueing.
  void Notify() ABSL_LOCKS_EXCLUDED(mu_);

  // Stops and joins the workers and the pruning task (see the class
  // comment). Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_);

  // One claim on the calling thread: claims up to claim_batch due jobs,
  // runs them and records the outcomes. Returns how many jobs it claimed
  // (including those whose expired lease sent them DEAD).
  absl::StatusOr<int> RunOnce() ABSL_LOCKS_EXCLUDED(mu_);

  // RunOnce() until a claim comes back empty; returns the jobs claimed.
  absl::StatusOr<int> RunUntilIdle() ABSL_LOCKS_EXCLUDED(mu_);

  // Deletes SUCCEEDED jobs older than the retention; returns how many.
  absl::StatusOr<int> PruneSucceeded();

  int claim_batch() const { return claim_batch_; }

 private:
  absl::StatusOr<int> RunClaim(const std::string& owner)
      ABSL_LOCKS_EXCLUDED(mu_);
  AttemptOutcome Attempt(const JobRecord& job) ABSL_LOCKS_EXCLUDED(mu_);
  void WorkerLoop(int index) ABSL_LOCKS_EXCLUDED(mu_);
  bool stopping() ABSL_LOCKS_EXCLUDED(mu_);

  JobStore* const store_;
  JobHandler* const handler_;
  const Clock* const clock_;
  const Options options_;
  const int claim_batch_;
  const std::string owner_;
  db::Lease* const prune_lease_;

  absl::Mutex bits_mu_;
  absl::BitGen bits_ ABSL_GUARDED_BY(bits_mu_);

  // Start()/Stop().
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::unique_ptr<PeriodicTask> pruner_ ABSL_GUARDED_BY(lifecycle_mu_);

  // Wake-ups: each Notify() lets one waiting worker through (at most one
  // per worker is banked).
  absl::Mutex mu_;
  int wakeups_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_WORKER_POOL_H_
