#ifndef HELPDESK_SERVICES_AUTH_MIGRATIONS_H_
#define HELPDESK_SERVICES_AUTH_MIGRATIONS_H_

#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::auth {

// The schema history of auth.db, oldest first.
absl::Span<const db::Migration> AuthMigrations();

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_MIGRATIONS_H_
