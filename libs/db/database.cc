#include "libs/db/database.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "SQLiteCpp/Statement.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/db/migration.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"
#include "sqlite3.h"

namespace helpdesk::db {
namespace {

constexpr char kCreateSchemaVersionSql[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version INTEGER PRIMARY KEY NOT NULL,"
    "  description TEXT NOT NULL,"
    "  apply_time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
    ")";
constexpr char kSelectSchemaVersionSql[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr char kInsertSchemaVersionSql[] =
    "INSERT INTO schema_version (version, description) VALUES (?, ?)";

constexpr int kBusyTimeoutMs = 5000;

// SQLite's own busy handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15,
// 20, 25, 25, 25, 50, 50, 100 ms between tries. A writer that found another
// connection of this process mid-commit (the outbox relay deleting what it
// delivered takes ~0.1 ms) so slept milliseconds, and a burst of them added
// up to tens. This one tries again after 50 us, doubling up to 1 ms, for
// the same kBusyTimeoutMs in all.
int RetrySoonBusyHandler(void* /*unused*/, int attempt) {
  constexpr int64_t kFirstUs = 50;
  constexpr int64_t kMaxUs = 1000;
  constexpr int kDoublings = 5;  // 50 << 5 > kMaxUs
  const int64_t waited_us = attempt <= kDoublings
                                ? kFirstUs * ((int64_t{1} << attempt) - 1)
                                : kFirstUs * ((int64_t{1} << kDoublings) - 1) +
                                      (attempt - kDoublings) * kMaxUs;
  if (waited_us >= int64_t{kBusyTimeoutMs} * 1000) return 0;  // give up
  absl::SleepFor(absl::Microseconds(
      std::min(kFirstUs << std::min(attempt, kDoublings), kMaxUs)));
  return 1;
}

// The error of a connection's first access to its file: DATA_LOSS for a
// file that is not a database or is corrupt (a service must not start on
// it), FAILED_PRECONDITION with `what` otherwise.
absl::Status FirstAccessError(const SQLite::Exception& e,
                              absl::string_view what) {
  if ((e.getErrorCode() & 0xff) == SQLITE_NOTADB ||
      (e.getErrorCode() & 0xff) == SQLITE_CORRUPT) {
    return absl::DataLossError(
        "the file is not a SQLite database or is corrupt; refusing to start");
  }
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": ", e.getErrorStr()));
}

}  // namespace

absl::Status StatusFromSqliteError(int extended_code, absl::string_view what) {
  LogWarning("sqlite_error",
             {{"code", absl::StrCat(extended_code)}, {"detail", what}});
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError("the record already exists");
    default:
      break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(
          "the change conflicts with existing data");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError("the database is busy; try again");
    default:
      return absl::InternalError("internal storage error");
  }
}

namespace internal {

absl::Status StatusFromException(const std::exception& e) {
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e)) {
    return StatusFromSqliteError(sqlite->getExtendedErrorCode(), e.what());
  }
  LogError("storage_exception", {{"detail", e.what()}});
  return absl::InternalError("internal storage error");
}

}  // namespace internal

Database::Database(const std::string& path, int flags)
    : connection_(path, flags, kBusyTimeoutMs) {
  sqlite3_busy_handler(connection_.getHandle(), &RetrySoonBusyHandler, nullptr);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, absl::Span<const Migration> migrations) {
  std::unique_ptr<Database> db;
  try {
    db.reset(new Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                    SQLite::OPEN_FULLMUTEX));
  } catch (const SQLite::Exception& e) {
    LogError("db_open_failed", {{"path", path}, {"detail", e.what()}});
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open database ", path, ": ", e.getErrorStr()));
  }
  absl::Status configured = db->Configure();
  if (configured.ok()) configured = db->Migrate(migrations);
  if (!configured.ok()) {
    return absl::Status(configured.code(), absl::StrCat("database ", path, ": ",
                                                        configured.message()));
  }
  return db;
}

absl::StatusOr<std::unique_ptr<Database>> Database::OpenReader(
    const std::string& path) {
  std::unique_ptr<Database> db;
  try {
    // NOMUTEX: a reader is used by one thread at a time (a ReaderPool lease),
    // so SQLite's per-connection mutex would only cost.
    db.reset(new Database(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX));
  } catch (const SQLite::Exception& e) {
    LogError("db_open_failed", {{"path", path}, {"detail", e.what()}});
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open database ", path, " for reading: ", e.getErrorStr()));
  }
  absl::Status configured = db->ConfigureReader();
  if (!configured.ok()) {
    return absl::Status(configured.code(), absl::StrCat("database ", path, ": ",
                                                        configured.message()));
  }
  return db;
}

absl::Status Database::ConfigureReader() {
  try {
    connection_.exec("PRAGMA query_only = ON");
    // The first read of the file: a file that is not a database, or one no
    // writer has migrated, fails here.
    schema_version_ = connection_.execAndGet(kSelectSchemaVersionSql).getInt();
    return absl::OkStatus();
  } catch (const SQLite::Exception& e) {
    return FirstAccessError(
        e, "cannot read the schema version (open the writer first)");
  }
}

absl::Status Database::Configure() {
  try {
    // Reading the journal mode is the first access to the file: a file that
    // is not a database fails here.
    connection_.exec("PRAGMA journal_mode = WAL");
    connection_.exec("PRAGMA foreign_keys = ON");
    connection_.exec("PRAGMA synchronous = NORMAL");
    // The writer touches every index of the tables it changes (full-text
    // segments included); SQLite's default 2 MiB cache made inserts read
    // pages back from the OS inside the write lock.
    connection_.exec("PRAGMA cache_size = -16384");  // KiB
    connection_.exec(
        absl::StrCat("PRAGMA wal_autocheckpoint = ", kAutoCheckpointPages));
    return absl::OkStatus();
  } catch (const SQLite::Exception& e) {
    return FirstAccessError(e, "cannot configure the connection");
  }
}

absl::Status Database::Migrate(absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InternalError(absl::StrCat(
          "migration versions must be 1, 2, 3, ... without gaps; found ",
          migrations[i].version, " at position ", i + 1));
    }
  }
  try {
    connection_.exec(kCreateSchemaVersionSql);
    schema_version_ = connection_.execAndGet(kSelectSchemaVersionSql).getInt();
  } catch (const SQLite::Exception& e) {
    if ((e.getErrorCode() & 0xff) == SQLITE_CORRUPT ||
        (e.getErrorCode() & 0xff) == SQLITE_NOTADB) {
      return absl::DataLossError("the database file is corrupt");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the schema version: ", e.getErrorStr()));
  }
  const int known = static_cast<int>(migrations.size());
  if (schema_version_ > known) {
    return absl::FailedPreconditionError(
        absl::StrCat("schema version ", schema_version_,
                     " is newer than this binary knows (", known,
                     "); refusing to start. Run a newer build."));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= schema_version_) continue;
    absl::Status applied = InTransaction([&]() -> absl::Status {
      connection_.exec(migration.sql);
      SQLite::Statement insert(connection_, kInsertSchemaVersionSql);
      insert.bind(1, migration.version);
      insert.bind(2, migration.description);
      insert.exec();
      return absl::OkStatus();
    });
    if (!applied.ok()) {
      return absl::Status(
          applied.code(),
          absl::StrCat("migration ", migration.version, " (",
                       migration.description, ") failed: ", applied.message()));
    }
    schema_version_ = migration.version;
    LogInfo("db_migrated", {{"file", connection_.getFilename()},
                            {"version", absl::StrCat(migration.version)},
                            {"description", migration.description}});
  }
  return absl::OkStatus();
}

absl::StatusOr<SQLite::Statement*> Database::Prepare(absl::string_view sql) {
  return Guard([&]() -> absl::StatusOr<SQLite::Statement*> {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      auto statement =
          std::make_unique<SQLite::Statement>(connection_, std::string(sql));
      it = statements_.emplace(std::string(sql), std::move(statement)).first;
    } else {
      it->second->tryReset();  // the last step's error is not ours
      it->second->clearBindings();
    }
    return it->second.get();
  });
}

absl::Status Database::Execute(absl::string_view sql) {
  return Guard([&]() -> absl::Status {
    connection_.exec(std::string(sql));
    return absl::OkStatus();
  });
}

absl::Status Database::InTransaction(absl::FunctionRef<absl::Status()> body) {
  return RunInTransaction("BEGIN IMMEDIATE", body);
}

absl::Status Database::InReadTransaction(
    absl::FunctionRef<absl::Status()> body) {
  return RunInTransaction("BEGIN DEFERRED", [&]() -> absl::Status {
    absl::Status status = body();
    // A statement left mid-step would hold the snapshot past COMMIT.
    ResetStatements();
    return status;
  });
}

void Database::ResetStatements() {
  for (auto& [sql, statement] : statements_) statement->tryReset();
}

absl::Status Database::RunInTransaction(
    const char* begin, absl::FunctionRef<absl::Status()> body) {
  RETURN_IF_ERROR(Execute(begin));
  absl::Status status = Guard([&]() -> absl::Status { return body(); });
  if (status.ok()) {
    status = Execute("COMMIT");
    if (status.ok()) return status;
  }
  // Statements left mid-step would keep the transaction's read lock alive.
  ResetStatements();
  absl::Status rolled_back = Execute("ROLLBACK");
  if (!rolled_back.ok()) {
    LogError("db_rollback_failed", {{"detail", rolled_back.ToString()}});
  }
  return status;
}

}  // namespace helpdesk::db
