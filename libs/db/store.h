#ifndef HELPDESK_LIBS_DB_STORE_H_
#define HELPDESK_LIBS_DB_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/db/checkpointer.h"
#include "libs/db/migration.h"
#include "libs/db/reader_pool.h"
#include "libs/db/sql.h"

namespace helpdesk::db {

// Where one service's data lives: a SQLite file (the embedded default), or
// a schema of a PostgreSQL database when postgres_url is set.
struct Location {
  // The SQLite database file (created if missing).
  std::string path;
  // A libpq URI or connection string (postgresql://...). Its password may
  // come from the URL, PGPASSWORD, ~/.pgpass or postgres_password.
  std::string postgres_url;
  // Overrides the URL's password when non-empty (--database_password_file).
  std::string postgres_password;
  // The schema holding the service's tables (created if missing): "auth",
  // "tickets", "audit", "notifications", "jobs". Letters, digits and _.
  std::string postgres_schema;
  // Read connections: SQLite's read-only readers; on PostgreSQL the pool
  // holds this many plus two (the writer and one spare).
  int readers = ReaderPool::kDefaultSize;

  Engine engine() const {
    return postgres_url.empty() ? Engine::kSqlite : Engine::kPostgres;
  }
};

// Where a binary keeps its services' data, from the flags every service
// binary and helpdeskd share (--data_dir, --database_url,
// --database_password_file): SQLite files in data_dir unless a PostgreSQL
// URL is given.
struct Storage {
  std::string data_dir;
  // postgresql://... (or libpq keywords); empty: SQLite.
  std::string database_url;
  // From --database_password_file; empty: the URL's own, PGPASSWORD or
  // ~/.pgpass, as libpq finds them.
  std::string database_password;

  // The location of the service called `name` ("auth", "tickets", "audit",
  // "notifications", "jobs"): the file <data_dir>/<name>.db, or the schema
  // <name> of the PostgreSQL database.
  Location For(const std::string& name,
               int readers = ReaderPool::kDefaultSize) const;
};

// Reads a password file (--database_password_file): its first line, without
// the line break. Empty `path`: an empty password.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

struct StoreOptions {
  Location location;
  // The service's schema history for each engine (see Migration); must
  // outlive Open().
  absl::Span<const Migration> migrations;
  absl::Span<const Migration> postgres_migrations;
  // SQLite: when the checkpointer copies the WAL back into the file.
  Checkpointer::Options checkpoints;
  // SQLite: at most this many WriteBatched() bodies share one transaction.
  size_t max_batch = 64;
  // PostgreSQL: a statement running longer fails DEADLINE_EXCEEDED.
  absl::Duration statement_timeout = absl::Seconds(10);
};

// The storage engine of one service's database: what every store (tickets,
// auth, audit, notifications, jobs) builds its SQL on, so stores say only
// *what* runs as a write or a read, never how connections, locks and
// checkpoints are arranged. Two engines implement it: SQLite (one file,
// sqlite_store.cc) and PostgreSQL (one schema, postgres_store.cc). Both
// guarantee:
//
//  - One writer at a time per process. Write(), WriteAutocommit() and
//    WriteBatched() bodies never run concurrently with each other in one
//    Store: they hold the write mutex, so a body may read what it is about
//    to change and rely on no other change of this process interleaving.
//    State of the store that must change with the writes (a "last write
//    time", a version counter) can be ABSL_GUARDED_BY(write_mutex()). On
//    PostgreSQL, where other processes may write too, a write transaction
//    is SERIALIZABLE and a body that lost a serialization conflict runs
//    again (up to kMaxWriteAttempts), so bodies must be safe to re-run:
//    they compute their results from what they read.
//  - Reads that never block the writer, on connections of their own; they
//    see every write committed before they start.
//  - No exception leaves it, and a transaction whose body fails or cannot
//    commit is rolled back. Errors are statuses safe to show callers.
//
// A body gets the connection it must use as its argument and must not keep
// it past its return. Open() creates and migrates the database, refusing
// one whose schema is newer than the migrations (FAILED_PRECONDITION) or
// that is not a database (DATA_LOSS). Thread-safe.
class Store {
 public:
  // How often a PostgreSQL write body runs at most when it keeps losing
  // serialization conflicts (then ABORTED).
  static constexpr int kMaxWriteAttempts = 12;

  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  using Body = absl::FunctionRef<absl::Status(Connection&)>;

  virtual Engine engine() const = 0;

  // Runs `body` in a write transaction, which rolls back when `body`
  // returns an error. Returns `body`'s status, or the commit's error.
  absl::Status Write(Body body) ABSL_LOCKS_EXCLUDED(write_mu_) {
    return Write(body, [] {});
  }

  // Like Write(), and once the transaction committed runs `committed`
  // while still the only writer of this Store (so that, for example, a
  // version number bumped there is never seen before the change it counts
  // is visible to reads). `committed` does not run when the write fails.
  virtual absl::Status Write(Body body, absl::FunctionRef<void()> committed)
      ABSL_LOCKS_EXCLUDED(write_mu_) = 0;

  // Runs `body` as the writer without a surrounding transaction: each
  // statement commits on its own (one-statement writes, or writes whose
  // statements are independent).
  virtual absl::Status WriteAutocommit(Body body)
      ABSL_LOCKS_EXCLUDED(write_mu_) = 0;

  // Like Write(); bodies of concurrent callers share transactions (group
  // commit, see GroupCommitter): each body runs inside its own savepoint,
  // so one that fails rolls back alone, and a failed COMMIT fails every
  // body of the batch. The body may run on another caller's thread (and,
  // on PostgreSQL, again after a serialization failure) and must not wait
  // for other writes. `committed` runs as Write()'s does, in batch order.
  absl::Status WriteBatched(Body body) ABSL_LOCKS_EXCLUDED(write_mu_) {
    return WriteBatched(body, [] {});
  }
  virtual absl::Status WriteBatched(Body body,
                                    absl::FunctionRef<void()> committed)
      ABSL_LOCKS_EXCLUDED(write_mu_) = 0;

  // Like Write(), at the weaker isolation a body may ask for when its
  // statements lock what they change themselves (FOR UPDATE SKIP LOCKED
  // claims, single-row upserts): READ COMMITTED on PostgreSQL, so that
  // claimers in other processes skip each other's rows instead of failing
  // serialization. Write() on SQLite, where there is one writer anyway.
  virtual absl::Status WriteReadCommitted(Body body)
      ABSL_LOCKS_EXCLUDED(write_mu_) {
    return Write(body);
  }

  // Runs `body` on a read connection; each statement sees every write
  // committed before it starts. On SQLite a write through it fails
  // (INTERNAL).
  virtual absl::Status Read(Body body) = 0;

  // Like Read(), inside a read transaction, so that all of `body`'s
  // statements see one snapshot of the database.
  virtual absl::Status ReadSnapshot(Body body) = 0;

  // The mutex every write holds, for ABSL_GUARDED_BY and
  // ABSL_EXCLUSIVE_LOCKS_REQUIRED on a store's own write state. Do not lock
  // it: use the write calls.
  const absl::Mutex& write_mutex() const ABSL_LOCK_RETURNED(write_mu_) {
    return write_mu_;
  }
  // Tells the thread-safety analysis (and checks) that the caller is inside
  // a write body; a body's lambda calls it before touching such state.
  void AssertWriting() const ABSL_ASSERT_EXCLUSIVE_LOCK(write_mu_) {
    write_mu_.AssertHeld();
  }

  // The schema version Open() left the database at.
  int schema_version() const { return schema_version_; }
  // How many read connections Read() and ReadSnapshot() share.
  virtual int readers() const = 0;
  // SQLite checkpoints so far (tests, metrics); 0 on PostgreSQL.
  virtual int64_t checkpoints() const = 0;
  // WriteBatched() transactions so far (tests, metrics).
  virtual size_t batched_transactions() const = 0;

 protected:
  explicit Store(int schema_version) : schema_version_(schema_version) {}

  mutable absl::Mutex write_mu_;

 private:
  const int schema_version_;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_STORE_H_
