#include "services/jobs/job_store.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/db/database.h"
#include "libs/db/store.h"
#include "libs/status/status_macros.h"
#include "services/jobs/migrations.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;

// The SQL below spells states as numbers.
static_assert(Job::QUEUED == 1 && Job::RUNNING == 2 && Job::SUCCEEDED == 3 &&
              Job::DEAD == 4);

#define HELPDESK_JOB_COLUMNS                                               \
  "id, type, state, attempts, max_attempts, run_time, lease_expire_time, " \
  "lease_owner, last_error, dedupe_key, payload, create_time, update_time"

constexpr char kInsertJobSql[] =
    "INSERT INTO jobs (type, state, attempts, max_attempts, run_time, "
    "dedupe_key, payload, create_time, update_time) "
    "VALUES (?, 1, 0, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING " HELPDESK_JOB_COLUMNS;
constexpr char kSelectByKeySql[] =
    "SELECT " HELPDESK_JOB_COLUMNS " FROM jobs WHERE dedupe_key = ?";
constexpr char kSelectJobSql[] =
    "SELECT " HELPDESK_JOB_COLUMNS " FROM jobs WHERE id = ?";
constexpr char kListJobsSql[] =
    "SELECT " HELPDESK_JOB_COLUMNS
    " FROM jobs WHERE id < ? ORDER BY id DESC LIMIT ?";
// Pinned: without statistics SQLite may prefer jobs_due and sort.
constexpr char kListJobsInStateSql[] =
    "SELECT " HELPDESK_JOB_COLUMNS
    " FROM jobs INDEXED BY jobs_by_state WHERE state = ? AND id < ? "
    "ORDER BY id DESC LIMIT ?";

// ?1 now, ?2 lease end, ?3 owner, ?4 limit, ?5 error of an expired lease.
// Each branch is a range scan of jobs_due that stops at the limit: expired
// leases first (they are the oldest work), then due jobs, oldest due first.
// SET expressions read the row as it was before the update.
constexpr char kClaimDueSql[] =
    "UPDATE jobs SET "
    "state = CASE WHEN state = 2 AND attempts >= max_attempts THEN 4 "
    "ELSE 2 END, "
    "attempts = CASE WHEN state = 2 AND attempts >= max_attempts "
    "THEN attempts ELSE attempts + 1 END, "
    "last_error = CASE WHEN state = 2 THEN ?5 ELSE last_error END, "
    "run_time = CASE WHEN state = 2 AND attempts >= max_attempts THEN ?1 "
    "ELSE ?2 END, "
    "lease_expire_time = CASE WHEN state = 2 AND attempts >= max_attempts "
    "THEN 0 ELSE ?2 END, "
    "lease_owner = CASE WHEN state = 2 AND attempts >= max_attempts "
    "THEN '' ELSE ?3 END, "
    "update_time = ?1 "
    "WHERE id IN ("
    "SELECT id FROM (SELECT id FROM jobs WHERE state = 2 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4) "
    "UNION ALL "
    "SELECT id FROM (SELECT id FROM jobs WHERE state = 1 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4) "
    "LIMIT ?4) "
    "RETURNING " HELPDESK_JOB_COLUMNS;

// Outcomes: ?1 now, ?2 id, ?3 attempts, ?4 owner of the claim; ?5 the
// retry time or the error, ?6 the error.
#define HELPDESK_CURRENT_CLAIM \
  " WHERE id = ?2 AND state = 2 AND attempts = ?3 AND lease_owner = ?4"
constexpr char kSucceededSql[] =
    "UPDATE jobs SET state = 3, run_time = ?1, lease_expire_time = 0, "
    "lease_owner = '', update_time = ?1" HELPDESK_CURRENT_CLAIM;
constexpr char kRetryLaterSql[] =
    "UPDATE jobs SET state = 1, run_time = ?5, lease_expire_time = 0, "
    "lease_owner = '', last_error = ?6, update_time = "
    "?1" HELPDESK_CURRENT_CLAIM;
constexpr char kDeadSql[] =
    "UPDATE jobs SET state = 4, run_time = ?1, lease_expire_time = 0, "
    "lease_owner = '', last_error = ?5, update_time = "
    "?1" HELPDESK_CURRENT_CLAIM;
constexpr char kReleaseSql[] =
    "UPDATE jobs SET state = 1, attempts = attempts - 1, run_time = ?1, "
    "lease_expire_time = 0, lease_owner = '', update_time = "
    "?1" HELPDESK_CURRENT_CLAIM;

constexpr char kRetryDeadSql[] =
    "UPDATE jobs SET state = 1, attempts = 0, run_time = ?1, "
    "lease_expire_time = 0, lease_owner = '', update_time = ?1 "
    "WHERE id = ?2 AND state = 4 RETURNING " HELPDESK_JOB_COLUMNS;
constexpr char kPruneSql[] =
    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 3 AND "
    "run_time <= ? ORDER BY run_time LIMIT ?)";

#undef HELPDESK_CURRENT_CLAIM
#undef HELPDESK_JOB_COLUMNS

constexpr char kLeaseExpiredError[] =
    "the lease expired before the attempt finished (the worker crashed or "
    "was stuck)";

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

std::string Blob(const SQLite::Column& column) {
  return std::string(static_cast<const char*>(column.getBlob()),
                     static_cast<size_t>(column.getBytes()));
}

JobRecord ReadJob(SQLite::Statement& row) {
  JobRecord job;
  job.id = row.getColumn(0).getInt64();
  job.type = row.getColumn(1).getString();
  job.state = static_cast<JobState>(row.getColumn(2).getInt());
  job.attempts = row.getColumn(3).getInt();
  job.max_attempts = row.getColumn(4).getInt();
  job.run_time = absl::FromUnixMicros(row.getColumn(5).getInt64());
  const int64_t lease = row.getColumn(6).getInt64();
  if (lease != 0) job.lease_expire_time = absl::FromUnixMicros(lease);
  job.lease_owner = row.getColumn(7).getString();
  job.last_error = row.getColumn(8).getString();
  job.dedupe_key = row.getColumn(9).getString();
  job.payload = Blob(row.getColumn(10));
  job.create_time = absl::FromUnixMicros(row.getColumn(11).getInt64());
  job.update_time = absl::FromUnixMicros(row.getColumn(12).getInt64());
  return job;
}

std::vector<JobRecord> ReadAll(SQLite::Statement& query) {
  std::vector<JobRecord> jobs;
  while (query.executeStep()) jobs.push_back(ReadJob(query));
  return jobs;
}

// The job `id`, read on `db` (the writer inside a write, or a reader);
// NOT_FOUND when there is none.
absl::StatusOr<JobRecord> SelectJob(db::Database& db, int64_t id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query, db.Prepare(kSelectJobSql));
  query->bind(1, id);
  if (!query->executeStep()) {
    return absl::NotFoundError(absl::StrCat("job ", id, " does not exist"));
  }
  JobRecord job = ReadJob(*query);
  query->reset();  // ends the read
  return job;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(
    const std::string& path) {
  db::StoreOptions options;
  options.path = path;
  options.migrations = JobMigrations();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<JobStore>(new JobStore(std::move(store)));
}

absl::StatusOr<EnqueueResult> JobStore::Enqueue(const JobRecord& job) {
  EnqueueResult result;
  RETURN_IF_ERROR(store_->WriteAutocommit([&](db::Database& writer)
                                              -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * insert, writer.Prepare(kInsertJobSql));
    insert->bind(1, job.type);
    insert->bind(2, job.max_attempts);
    insert->bind(3, Micros(job.run_time));
    insert->bind(4, job.dedupe_key);
    insert->bind(5, job.payload.data(), static_cast<int>(job.payload.size()));
    insert->bind(6, Micros(job.create_time));
    insert->bind(7, Micros(job.create_time));
    if (insert->executeStep()) {
      result = EnqueueResult{ReadJob(*insert), true};
      insert->reset();
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(SQLite::Statement * existing,
                     writer.Prepare(kSelectByKeySql));
    existing->bind(1, job.dedupe_key);
    if (!existing->executeStep()) {
      return absl::InternalError("a conflicting job vanished");
    }
    result = EnqueueResult{ReadJob(*existing), false};
    existing->reset();  // ends the read
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<JobRecord> JobStore::Get(int64_t id) {
  JobRecord job;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(job, SelectJob(reader, id));
    return absl::OkStatus();
  }));
  return job;
}

absl::StatusOr<std::vector<JobRecord>> JobStore::List(JobState state,
                                                      int64_t before_id,
                                                      int limit) {
  if (before_id <= 0) before_id = std::numeric_limits<int64_t>::max();
  std::vector<JobRecord> jobs;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    if (state == Job::STATE_UNSPECIFIED) {
      ASSIGN_OR_RETURN(SQLite::Statement * query, reader.Prepare(kListJobsSql));
      query->bind(1, before_id);
      query->bind(2, limit);
      jobs = ReadAll(*query);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     reader.Prepare(kListJobsInStateSql));
    query->bind(1, static_cast<int>(state));
    query->bind(2, before_id);
    query->bind(3, limit);
    jobs = ReadAll(*query);
    return absl::OkStatus();
  }));
  return jobs;
}

absl::StatusOr<std::vector<JobRecord>> JobStore::ClaimDue(
    absl::Time now, absl::Duration lease, absl::string_view owner, int limit) {
  std::vector<JobRecord> claimed;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(SQLite::Statement * claim,
                         writer.Prepare(kClaimDueSql));
        claim->bind(1, Micros(now));
        claim->bind(2, Micros(now + lease));
        claim->bind(3, std::string(owner));
        claim->bind(4, limit);
        claim->bind(5, kLeaseExpiredError);
        claimed = ReadAll(*claim);
        return absl::OkStatus();
      }));
  return claimed;
}

absl::StatusOr<int> JobStore::RecordOutcomes(
    const std::vector<AttemptOutcome>& outcomes, absl::Time now) {
  if (outcomes.empty()) return 0;
  int applied = 0;
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    for (const AttemptOutcome& outcome : outcomes) {
      const char* sql = kSucceededSql;
      switch (outcome.kind) {
        case AttemptOutcome::Kind::kSucceeded:
          sql = kSucceededSql;
          break;
        case AttemptOutcome::Kind::kRetry:
          sql = kRetryLaterSql;
          break;
        case AttemptOutcome::Kind::kDead:
          sql = kDeadSql;
          break;
        case AttemptOutcome::Kind::kReleased:
          sql = kReleaseSql;
          break;
      }
      ASSIGN_OR_RETURN(SQLite::Statement * update, writer.Prepare(sql));
      update->bind(1, Micros(now));
      update->bind(2, outcome.id);
      update->bind(3, outcome.attempts);
      update->bind(4, outcome.lease_owner);
      if (outcome.kind == AttemptOutcome::Kind::kRetry) {
        update->bind(5, Micros(outcome.retry_time));
        update->bind(6, outcome.error);
      } else if (outcome.kind == AttemptOutcome::Kind::kDead) {
        update->bind(5, outcome.error);
      }
      applied += update->exec();
    }
    return absl::OkStatus();
  }));
  return applied;
}

absl::StatusOr<JobRecord> JobStore::Retry(int64_t id, absl::Time now) {
  JobRecord job;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(SQLite::Statement * retry,
                         writer.Prepare(kRetryDeadSql));
        retry->bind(1, Micros(now));
        retry->bind(2, id);
        if (retry->executeStep()) {
          job = ReadJob(*retry);
          retry->reset();
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(const JobRecord current, SelectJob(writer, id));
        return absl::FailedPreconditionError(
            absl::StrCat("job ", id, " is ", Job::State_Name(current.state),
                         "; only DEAD jobs can be retried"));
      }));
  return job;
}

absl::StatusOr<int> JobStore::PruneSucceeded(absl::Time cutoff, int limit) {
  int pruned = 0;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Database& writer) -> absl::Status {
        ASSIGN_OR_RETURN(SQLite::Statement * prune, writer.Prepare(kPruneSql));
        prune->bind(1, Micros(cutoff));
        prune->bind(2, limit);
        pruned = prune->exec();
        return absl::OkStatus();
      }));
  return pruned;
}

absl::StatusOr<std::string> JobStore::ExplainClaim() {
  return Explain(kClaimDueSql);
}

absl::StatusOr<std::string> JobStore::ExplainList(JobState state) {
  return Explain(state == Job::STATE_UNSPECIFIED ? kListJobsSql
                                                 : kListJobsInStateSql);
}

absl::StatusOr<std::string> JobStore::Explain(absl::string_view sql) {
  std::vector<std::string> steps;
  // Planning is not writing, even for the claim's UPDATE: a reader will do.
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    SQLite::Statement explain(reader.connection(),
                              absl::StrCat("EXPLAIN QUERY PLAN ", sql));
    while (explain.executeStep()) steps.push_back(explain.getColumn(3));
    return absl::OkStatus();
  }));
  return absl::StrJoin(steps, "\n");
}

}  // namespace helpdesk::jobs
