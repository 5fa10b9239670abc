#ifndef HELPDESK_LIBS_DB_DATABASE_H_
#define HELPDESK_LIBS_DB_DATABASE_H_

#include <memory>
#include <string>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/db/migration.h"

namespace helpdesk::db {

class ReaderPool;

// One SQLite connection to one service's database file.
//
// Open() creates the file if needed, applies the connection settings every
// service relies on (WAL journal, foreign keys, busy timeout,
// synchronous=NORMAL) and brings the schema up to date with the given
// migrations. A file whose schema is newer than the migrations this binary
// knows, or that is not a SQLite database, is refused.
//
// OpenReader() opens a read-only connection to a file that a writer has
// already opened and migrated (see ReaderPool, which owns such readers).
//
// SQLiteCpp reports errors by throwing; this class and Guard() below are
// where those exceptions become absl::Status, so none escapes a store.
//
// Thread-safety: not thread-safe. A store owns one writer Database and
// serialises access to it (typically with a mutex next to it); readers are
// lent to one thread at a time by a ReaderPool.
class Database final {
 public:
  // A writer copies the WAL back into the file (a checkpoint) once the WAL
  // holds this many pages, unless a Checkpointer does it instead.
  static constexpr int kAutoCheckpointPages = 10000;

  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const std::string& path, absl::Span<const Migration> migrations);

  // A read-only connection (SQLITE_OPEN_READONLY and query_only) with the
  // writer's busy timeout and no migrations: any write through it fails
  // with INTERNAL. The file must exist with a migrated schema
  // (FAILED_PRECONDITION otherwise); its journal is WAL, set by the writer,
  // so the reader sees every transaction committed before each of its reads
  // begins and never blocks the writer.
  static absl::StatusOr<std::unique_ptr<Database>> OpenReader(
      const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The highest migration version applied to this file.
  int schema_version() const { return schema_version_; }

  // Returns the prepared statement for `sql`, compiled on first use and
  // reused afterwards (reset, bindings cleared). The pointer stays valid for
  // the life of the Database; use it only until the next Prepare() of the
  // same text.
  absl::StatusOr<SQLite::Statement*> Prepare(absl::string_view sql);

  // Runs one or more statements that return no rows.
  absl::Status Execute(absl::string_view sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. The transaction rolls back
  // when `body` returns an error or throws; the error is returned.
  absl::Status InTransaction(absl::FunctionRef<absl::Status()> body);

  // Runs `body` inside a deferred BEGIN ... COMMIT, so that several reads
  // see one snapshot (under WAL, without blocking the writer). Works on
  // readers; `body`'s error or exception is returned.
  absl::Status InReadTransaction(absl::FunctionRef<absl::Status()> body);

  // Direct access for code that needs the raw connection (row ids, changes).
  SQLite::Database& connection() { return connection_; }

 private:
  // ReaderPool resets a returned reader's statements.
  friend class ReaderPool;

  Database(const std::string& path, int flags);
  absl::Status Configure();
  absl::Status ConfigureReader();
  absl::Status Migrate(absl::Span<const Migration> migrations);
  absl::Status RunInTransaction(const char* begin,
                                absl::FunctionRef<absl::Status()> body);
  // Resets every cached statement, so that none left mid-step keeps a read
  // transaction (and its old snapshot) open on this connection.
  void ResetStatements();

  SQLite::Database connection_;
  int schema_version_ = 0;
  absl::flat_hash_map<std::string, std::unique_ptr<SQLite::Statement>>
      statements_;
};

// Converts a SQLiteCpp exception into a status that is safe to show callers:
// constraint violations become ALREADY_EXISTS or FAILED_PRECONDITION, a busy
// database UNAVAILABLE, anything else INTERNAL with a generic message. The
// SQLite text is logged, never returned.
absl::Status StatusFromSqliteError(int extended_code, absl::string_view what);

// Runs `fn` and turns any exception it throws into a status (see
// StatusFromSqliteError). `fn` returns absl::Status or absl::StatusOr<T>.
template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn());

}  // namespace helpdesk::db

#include "libs/db/database_inl.h"  // IWYU pragma: keep

#endif  // HELPDESK_LIBS_DB_DATABASE_H_
