#include "services/jobs/job_store.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/db/postgres_store.h"
#include "libs/db/sql.h"
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

// What a claim does to each row it picks (both engines): an expired lease
// on its last attempt goes DEAD, every other row is RUNNING with a new
// lease. SET expressions read the row as it was before the update.
#define HELPDESK_CLAIM_UPDATE                                             \
  "UPDATE jobs SET "                                                      \
  "state = CASE WHEN state = 2 AND attempts >= max_attempts THEN 4 "      \
  "ELSE 2 END, "                                                          \
  "attempts = CASE WHEN state = 2 AND attempts >= max_attempts "          \
  "THEN attempts ELSE attempts + 1 END, "                                 \
  "last_error = CASE WHEN state = 2 THEN ?5 ELSE last_error END, "        \
  "run_time = CASE WHEN state = 2 AND attempts >= max_attempts THEN ?1 "  \
  "ELSE ?2 END, "                                                         \
  "lease_expire_time = CASE WHEN state = 2 AND attempts >= max_attempts " \
  "THEN 0 ELSE ?2 END, "                                                  \
  "lease_owner = CASE WHEN state = 2 AND attempts >= max_attempts "       \
  "THEN '' ELSE ?3 END, "                                                 \
  "update_time = ?1 "

// ?1 now, ?2 lease end, ?3 owner, ?4 limit, ?5 error of an expired lease.
// Each branch is a range scan of jobs_due that stops at the limit: expired
// leases first (they are the oldest work), then due jobs, oldest due first.
constexpr char kClaimDueSql[] = HELPDESK_CLAIM_UPDATE
    "WHERE id IN ("
    "SELECT id FROM (SELECT id FROM jobs WHERE state = 2 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4) "
    "UNION ALL "
    "SELECT id FROM (SELECT id FROM jobs WHERE state = 1 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4) "
    "LIMIT ?4) "
    "RETURNING " HELPDESK_JOB_COLUMNS;

// The same claim on PostgreSQL: each branch locks the rows it picks and
// skips rows another claimer (another replica) holds, so claimers never
// wait for each other nor take the same job.
constexpr char kPostgresClaimDueSql[] =
    "WITH expired AS (SELECT id FROM jobs WHERE state = 2 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4 FOR UPDATE SKIP LOCKED), "
    "due AS (SELECT id FROM jobs WHERE state = 1 AND run_time <= ?1 "
    "ORDER BY run_time LIMIT ?4 FOR UPDATE SKIP LOCKED), "
    "picked AS (SELECT id FROM expired UNION ALL SELECT id FROM due "
    "LIMIT ?4) " HELPDESK_CLAIM_UPDATE
    "WHERE id IN (SELECT id FROM picked) "
    "RETURNING " HELPDESK_JOB_COLUMNS;
constexpr char kPostgresListJobsInStateSql[] =
    "SELECT " HELPDESK_JOB_COLUMNS
    " FROM jobs WHERE state = ? AND id < ? ORDER BY id DESC LIMIT ?";
// Wakes the workers of every process listening on the schema's channel
// (see ListenForJobs), at the commit of the statement's transaction.
constexpr char kNotifyJobsSql[] = "SELECT pg_notify(?, '')";

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
#undef HELPDESK_CLAIM_UPDATE

constexpr char kLeaseExpiredError[] =
    "the lease expired before the attempt finished (the worker crashed or "
    "was stuck)";

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

JobRecord ReadJob(const db::Rows& rows, int row) {
  JobRecord job;
  job.id = rows.Int64(row, 0);
  job.type = rows.Text(row, 1);
  job.state = static_cast<JobState>(rows.Int64(row, 2));
  job.attempts = static_cast<int>(rows.Int64(row, 3));
  job.max_attempts = static_cast<int>(rows.Int64(row, 4));
  job.run_time = absl::FromUnixMicros(rows.Int64(row, 5));
  const int64_t lease = rows.Int64(row, 6);
  if (lease != 0) job.lease_expire_time = absl::FromUnixMicros(lease);
  job.lease_owner = rows.Text(row, 7);
  job.last_error = rows.Text(row, 8);
  job.dedupe_key = rows.Text(row, 9);
  job.payload = rows.Text(row, 10);
  job.create_time = absl::FromUnixMicros(rows.Int64(row, 11));
  job.update_time = absl::FromUnixMicros(rows.Int64(row, 12));
  return job;
}

std::vector<JobRecord> ReadAll(const db::Rows& rows) {
  std::vector<JobRecord> jobs;
  jobs.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) jobs.push_back(ReadJob(rows, r));
  return jobs;
}

// The job `id`, read on `db` (the writer inside a write, or a reader);
// NOT_FOUND when there is none.
absl::StatusOr<JobRecord> SelectJob(db::Connection& db, int64_t id) {
  ASSIGN_OR_RETURN(db::Rows rows, db.Query(kSelectJobSql, {id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("job ", id, " does not exist"));
  }
  return ReadJob(rows, 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(
    const db::Location& location) {
  db::StoreOptions options;
  options.location = location;
  options.migrations = JobMigrations();
  options.postgres_migrations = JobPostgresMigrations();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  std::string conninfo;
  std::string channel;
  if (auto* postgres = dynamic_cast<db::PostgresStore*>(store.get())) {
    conninfo = postgres->conninfo();
    channel = postgres->schema() + "_jobs_due";
  }
  return std::unique_ptr<JobStore>(
      new JobStore(std::move(store), std::move(conninfo), std::move(channel)));
}

absl::StatusOr<std::unique_ptr<db::pg::Listener>> JobStore::ListenForJobs(
    std::function<void()> wake) {
  if (channel_.empty()) return std::unique_ptr<db::pg::Listener>();
  db::pg::ListenerOptions options;
  options.conninfo = conninfo_;
  options.channel = channel_;
  options.on_notify = [wake](absl::string_view) { wake(); };
  // Whatever was announced while the listener was away is looked for now.
  options.on_listening = wake;
  return db::pg::Listener::Start(std::move(options));
}

absl::Status JobStore::AnnounceDue(db::Connection& writer) {
  if (channel_.empty()) return absl::OkStatus();
  return writer.Query(kNotifyJobsSql, {channel_}).status();
}

absl::StatusOr<EnqueueResult> JobStore::Enqueue(const JobRecord& job) {
  EnqueueResult result;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(
            db::Rows inserted,
            writer.Query(kInsertJobSql,
                         {job.type, job.max_attempts, Micros(job.run_time),
                          job.dedupe_key, db::Value::Bytes(job.payload),
                          Micros(job.create_time), Micros(job.create_time)}));
        if (!inserted.empty()) {
          result = EnqueueResult{ReadJob(inserted, 0), true};
          return AnnounceDue(writer);
        }
        ASSIGN_OR_RETURN(db::Rows existing,
                         writer.Query(kSelectByKeySql, {job.dedupe_key}));
        if (existing.empty()) {
          return absl::InternalError("a conflicting job vanished");
        }
        result = EnqueueResult{ReadJob(existing, 0), false};
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<JobRecord> JobStore::Get(int64_t id) {
  JobRecord job;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
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
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    if (state == Job::STATE_UNSPECIFIED) {
      ASSIGN_OR_RETURN(db::Rows rows,
                       reader.Query(kListJobsSql, {before_id, limit}));
      jobs = ReadAll(rows);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(db::Rows rows,
                     reader.Query(reader.engine() == db::Engine::kPostgres
                                      ? kPostgresListJobsInStateSql
                                      : kListJobsInStateSql,
                                  {static_cast<int>(state), before_id, limit}));
    jobs = ReadAll(rows);
    return absl::OkStatus();
  }));
  return jobs;
}

absl::StatusOr<std::vector<JobRecord>> JobStore::ClaimDue(
    absl::Time now, absl::Duration lease, absl::string_view owner, int limit) {
  std::vector<JobRecord> claimed;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(db::Rows rows,
                         writer.Query(writer.engine() == db::Engine::kPostgres
                                          ? kPostgresClaimDueSql
                                          : kClaimDueSql,
                                      {Micros(now), Micros(now + lease), owner,
                                       limit, kLeaseExpiredError}));
        claimed = ReadAll(rows);
        return absl::OkStatus();
      }));
  return claimed;
}

absl::StatusOr<int> JobStore::RecordOutcomes(
    const std::vector<AttemptOutcome>& outcomes, absl::Time now) {
  if (outcomes.empty()) return 0;
  int applied = 0;
  // Each UPDATE checks the claim it applies to and locks its row: READ
  // COMMITTED suffices on PostgreSQL.
  RETURN_IF_ERROR(
      store_->WriteReadCommitted([&](db::Connection& writer) -> absl::Status {
        applied = 0;
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
          std::vector<db::Value> params = {
              Micros(now), outcome.id, outcome.attempts, outcome.lease_owner};
          if (outcome.kind == AttemptOutcome::Kind::kRetry) {
            params.push_back(Micros(outcome.retry_time));
            params.push_back(outcome.error);
          } else if (outcome.kind == AttemptOutcome::Kind::kDead) {
            params.push_back(outcome.error);
          }
          ASSIGN_OR_RETURN(const int64_t updated, writer.Execute(sql, params));
          applied += static_cast<int>(updated);
        }
        return absl::OkStatus();
      }));
  return applied;
}

absl::StatusOr<JobRecord> JobStore::Retry(int64_t id, absl::Time now) {
  JobRecord job;
  RETURN_IF_ERROR(
      store_->WriteAutocommit([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(db::Rows retried,
                         writer.Query(kRetryDeadSql, {Micros(now), id}));
        if (!retried.empty()) {
          job = ReadJob(retried, 0);
          return AnnounceDue(writer);
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
      store_->WriteAutocommit([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t deleted,
                         writer.Execute(kPruneSql, {Micros(cutoff), limit}));
        pruned = static_cast<int>(deleted);
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
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    if (reader.engine() != db::Engine::kSqlite) {
      return absl::UnimplementedError("query plans are SQLite's");
    }
    // The plan does not depend on the values: bind every parameter NULL.
    // Numbered (?N) parameters count up to the highest N.
    int params = 0;
    int numbered = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] != '?') continue;
      ++params;
      int n = 0;
      while (i + 1 < sql.size() && absl::ascii_isdigit(sql[i + 1])) {
        n = n * 10 + (sql[++i] - '0');
      }
      numbered = std::max(numbered, n);
    }
    if (numbered > 0) params = numbered;
    const std::vector<db::Value> nulls(params, db::Value::Null());
    ASSIGN_OR_RETURN(
        db::Rows rows,
        reader.Query(absl::StrCat("EXPLAIN QUERY PLAN ", sql), nulls));
    for (int r = 0; r < rows.size(); ++r) steps.push_back(rows.Text(r, 3));
    return absl::OkStatus();
  }));
  return absl::StrJoin(steps, "\n");
}

}  // namespace helpdesk::jobs
