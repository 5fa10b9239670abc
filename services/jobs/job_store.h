#ifndef HELPDESK_SERVICES_JOBS_JOB_STORE_H_
#define HELPDESK_SERVICES_JOBS_JOB_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "libs/db/pg/listener.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"

namespace helpdesk::jobs {

using JobState = ::helpdesk::jobs::v1::Job::State;

// One row of the jobs table. For the meaning of run_time in each state see
// migrations.cc: while RUNNING it equals lease_expire_time, for SUCCEEDED
// and DEAD it is when the job finished.
struct JobRecord {
  int64_t id = 0;
  std::string type;
  JobState state = ::helpdesk::jobs::v1::Job::QUEUED;
  int attempts = 0;
  int max_attempts = 1;
  absl::Time run_time;
  std::optional<absl::Time> lease_expire_time;  // set while RUNNING
  std::string lease_owner;                      // set while RUNNING
  std::string last_error;
  std::string dedupe_key;
  std::string payload;  // a serialized google.protobuf.Any
  absl::Time create_time;
  absl::Time update_time;
};

struct EnqueueResult {
  JobRecord job;
  bool created = false;  // false: a job with the dedupe_key existed already
};

// How one claimed attempt ended; see JobStore::RecordOutcomes. The claim is
// identified by (id, attempts, lease_owner) as ClaimDue returned them.
struct AttemptOutcome {
  enum class Kind {
    kSucceeded,  // → SUCCEEDED
    kRetry,      // → QUEUED, due at retry_time, with error as last_error
    kDead,       // → DEAD with error as last_error
    kReleased,   // never started: → QUEUED, due now, the attempt not counted
  };
  int64_t id = 0;
  int attempts = 0;
  std::string lease_owner;
  Kind kind = Kind::kSucceeded;
  absl::Time retry_time;  // kRetry only
  std::string error;      // kRetry and kDead
};

// Every SQL statement of the jobs service: the queue (enqueue with dedupe,
// claim with a lease, outcomes, retry of dead jobs, pruning) and the admin
// listing. Errors are absl::Status. Thread-safe, on a db::Store: changes
// (enqueue, claims, outcomes, retries, pruning) are serialised writes, each
// one statement or one transaction; Get, List and the plans are reads, in
// parallel on the store's readers, and see every change committed before
// they start.
class JobStore final {
 public:
  // Opens (creating and migrating) the service's database at `location`.
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(
      const db::Location& location);

  // On PostgreSQL: a listener that calls `wake` whenever any process
  // (this one or another replica) enqueues or retries a job on this
  // database, and after every (re)connection; Enqueue and Retry NOTIFY in
  // their transaction. On SQLite, where one process owns the file, null.
  absl::StatusOr<std::unique_ptr<db::pg::Listener>> ListenForJobs(
      std::function<void()> wake);

  // Inserts `job` (state QUEUED, attempts 0; id assigned) unless a job with
  // its dedupe_key exists, which is then returned unchanged.
  absl::StatusOr<EnqueueResult> Enqueue(const JobRecord& job);

  // NOT_FOUND when there is no such job.
  absl::StatusOr<JobRecord> Get(int64_t id);

  // Jobs with id < before_id (0: from the newest), newest first, at most
  // `limit`; only those in `state` unless it is STATE_UNSPECIFIED.
  absl::StatusOr<std::vector<JobRecord>> List(JobState state, int64_t before_id,
                                              int limit);

  // Claims up to `limit` due jobs in one statement: QUEUED jobs with
  // run_time <= now (oldest due first) and RUNNING jobs whose lease expired
  // (their worker died or is stuck). Each becomes RUNNING with
  // attempts + 1 and a lease for `owner` until now + lease. An expired
  // lease counts as a failed attempt ("lease expired"); a job whose expired
  // lease was its last attempt goes DEAD instead, and is returned in that
  // state (not to be run).
  absl::StatusOr<std::vector<JobRecord>> ClaimDue(absl::Time now,
                                                  absl::Duration lease,
                                                  absl::string_view owner,
                                                  int limit);

  // Applies the outcomes of claimed attempts in one transaction. An outcome
  // whose claim is no longer current (the lease expired and the job was
  // claimed again, or an admin changed it) is skipped. Returns how many
  // were applied.
  absl::StatusOr<int> RecordOutcomes(
      const std::vector<AttemptOutcome>& outcomes, absl::Time now);

  // Puts a DEAD job back in the queue: QUEUED, attempts 0, due `now`;
  // last_error is kept. NOT_FOUND, or FAILED_PRECONDITION when it is not
  // DEAD.
  absl::StatusOr<JobRecord> Retry(int64_t id, absl::Time now);

  // Deletes up to `limit` SUCCEEDED jobs that finished at or before
  // `cutoff`; returns how many.
  absl::StatusOr<int> PruneSucceeded(absl::Time cutoff, int limit);

  // SQLite's plan for ClaimDue and for List (tests pin index use);
  // UNIMPLEMENTED on PostgreSQL.
  absl::StatusOr<std::string> ExplainClaim();
  absl::StatusOr<std::string> ExplainList(JobState state);

  // The underlying store (leases of the jobs schema).
  db::Store& db() { return *store_; }

 private:
  JobStore(std::unique_ptr<db::Store> store, std::string conninfo,
           std::string channel)
      : store_(std::move(store)),
        conninfo_(std::move(conninfo)),
        channel_(std::move(channel)) {}

  absl::StatusOr<std::string> Explain(absl::string_view sql);
  // NOTIFY the channel in the writer's transaction (PostgreSQL).
  absl::Status AnnounceDue(db::Connection& writer);

  // The writer, its checkpointer and the readers of the file.
  const std::unique_ptr<db::Store> store_;
  // PostgreSQL: the listener's connection string and channel; empty on
  // SQLite.
  const std::string conninfo_;
  const std::string channel_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOB_STORE_H_
