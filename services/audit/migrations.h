#ifndef HELPDESK_SERVICES_AUDIT_MIGRATIONS_H_
#define HELPDESK_SERVICES_AUDIT_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::audit {

// The schema history of audit.db, oldest first.
absl::Span<const db::Migration> AuditMigrations();
// The same schema on PostgreSQL.
absl::Span<const db::Migration> AuditPostgresMigrations();

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_MIGRATIONS_H_
