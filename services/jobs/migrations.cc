#include "services/jobs/migrations.h"

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::jobs {
namespace {

// Times are unix microseconds; lease_expire_time 0 means "no lease". state
// holds helpdesk.jobs.v1.Job.State values. payload is a serialized
// google.protobuf.Any.
//
// run_time is the next moment the queue must look at a job, so that one
// index, (state, run_time), serves every hot query as a range scan:
//   QUEUED     when the job is due (claim: state = QUEUED AND run_time <= now)
//   RUNNING    when its lease ends, the same as lease_expire_time (reclaim:
//              state = RUNNING AND run_time <= now)
//   SUCCEEDED  when it finished (prune: state = SUCCEEDED AND run_time <= ?)
//   DEAD       when it died
// jobs_by_state serves ListJobs' state filter newest first (its last column
// is the rowid).
constexpr char kJobsSql[] = R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
  run_time INTEGER NOT NULL,
  lease_expire_time INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  dedupe_key TEXT NOT NULL UNIQUE,
  payload BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_time);
CREATE INDEX jobs_by_state ON jobs (state, id);
)sql";

constexpr db::Migration kMigrations[] = {
    {1, "jobs queue", kJobsSql},
};

}  // namespace

absl::Span<const db::Migration> JobMigrations() { return kMigrations; }

}  // namespace helpdesk::jobs
