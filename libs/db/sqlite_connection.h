#ifndef HELPDESK_LIBS_DB_SQLITE_CONNECTION_H_
#define HELPDESK_LIBS_DB_SQLITE_CONNECTION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/db/database.h"
#include "libs/db/sql.h"

namespace helpdesk::db {

// A db::Connection over one SQLite Database (not owned): statements come
// from the Database's cache, SQLite exceptions become statuses (Guard).
class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(Database& db) : db_(db) {}

  Engine engine() const override { return Engine::kSqlite; }
  absl::StatusOr<Rows> Query(absl::string_view sql,
                             absl::Span<const Value> params = {}) override;
  absl::Status ExecuteScript(absl::string_view sql) override;
  bool InTransaction() const override;

  Database& database() { return db_; }

 private:
  Database& db_;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_SQLITE_CONNECTION_H_
