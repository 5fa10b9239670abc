#ifndef HELPDESK_SERVICES_JOBS_MIGRATIONS_H_
#define HELPDESK_SERVICES_JOBS_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::jobs {

// The schema history of jobs.db, oldest first.
absl::Span<const db::Migration> JobMigrations();
// The same schema on PostgreSQL.
absl::Span<const db::Migration> JobPostgresMigrations();

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_MIGRATIONS_H_
