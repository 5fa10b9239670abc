#ifndef HELPDESK_SERVICES_AUTH_MIGRATIONS_H_
#define HELPDESK_SERVICES_AUTH_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::auth {

// The schema history of auth.db, oldest first.
absl::Span<const db::Migration> AuthMigrations();
// The same schema on PostgreSQL.
absl::Span<const db::Migration> AuthPostgresMigrations();

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_MIGRATIONS_H_
