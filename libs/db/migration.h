#ifndef HELPDESK_LIBS_DB_MIGRATION_H_
#define HELPDESK_LIBS_DB_MIGRATION_H_

namespace helpdesk::db {

// One step of a service's schema history. A service lists its migrations in
// order, versions 1, 2, 3, ... with no gaps; each is applied once, in its own
// transaction, and recorded in the `schema_version` table. Released
// migrations are never edited: a change is a new migration.
struct Migration {
  int version;
  const char* description;
  // One or more SQL statements separated by semicolons.
  const char* sql;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_MIGRATION_H_
