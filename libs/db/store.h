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
#include "absl/types/span.h"
#include "libs/db/checkpointer.h"
#include "libs/db/database.h"
#include "libs/db/group_commit.h"
#include "libs/db/migration.h"
#include "libs/db/reader_pool.h"

namespace helpdesk::db {

struct StoreOptions {
  // The database file (created if missing).
  std::string path;
  // The service's schema history (see Migration); must outlive Open().
  absl::Span<const Migration> migrations;
  // Read-only connections for Read() and ReadSnapshot() (at least 1).
  int readers = ReaderPool::kDefaultSize;
  // When the checkpointer copies the WAL back into the file.
  Checkpointer::Options checkpoints;
  // At most this many WriteBatched() bodies share one transaction.
  size_t max_batch = 64;
};

// The storage engine of one service's database: what every store (tickets,
// auth, audit, notifications, jobs) builds its SQL on. It is the seam a
// second engine (PostgreSQL) will implement behind the same calls, so
// stores say only *what* runs as a write or a read, never how connections,
// locks and checkpoints are arranged. It guarantees:
//
//  - One writer at a time. Write(), WriteAutocommit() and WriteBatched()
//    bodies never run concurrently with each other: they run on the single
//    writer connection while the write mutex is held, so a body may read
//    what it is about to change and rely on no other change interleaving.
//    State of the store that must change with the writes (a "last write
//    time", a version counter) can be ABSL_GUARDED_BY(write_mutex()).
//  - Reads that never block the writer. Read() and ReadSnapshot() lease one
//    of `readers` read-only connections (WAL): they run in parallel with
//    each other and with the writer, and see every write committed before
//    they start. They wait only while every reader is leased.
//  - WAL checkpoints off the write path: a Checkpointer copies the WAL back
//    into the database file on its own thread and connection, so no
//    writer's COMMIT pays for one.
//  - No exception leaves it: SQLite errors a body throws become its status
//    (see Guard and StatusFromSqliteError), and a transaction whose body
//    fails, throws or cannot commit is rolled back.
//
// A body gets the connection it must use as its `Database&` argument and
// must not keep it past its return. The writer is reachable only through
// the write calls, so code that takes the writer `Database&` as a parameter
// can only be running inside one (the equivalent of requiring the write
// mutex); reads that must see a write's own uncommitted changes belong in
// that write's body, on its connection.
//
// Open() creates and migrates the file, refusing one whose schema is newer
// than `migrations` (FAILED_PRECONDITION) or that is not a database
// (DATA_LOSS). Destroying the store waits for leased readers and stops the
// checkpointer before the writer closes. Thread-safe.
class Store final {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  using Body = absl::FunctionRef<absl::Status(Database&)>;

  // Runs `body` on the writer in a write transaction (BEGIN IMMEDIATE ...
  // COMMIT), which rolls back when `body` returns an error or throws.
  // Returns `body`'s status, or the commit's error.
  absl::Status Write(Body body) ABSL_LOCKS_EXCLUDED(write_mu_);

  // Like Write(), and once the transaction committed runs `committed`
  // while still the only writer (so that, for example, a version number
  // bumped there is never seen before the change it counts is visible to
  // reads). `committed` does not run when the write fails.
  absl::Status Write(Body body, absl::FunctionRef<void()> committed)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  // Runs `body` on the writer without a surrounding transaction: each
  // statement commits on its own (one-statement writes, or writes whose
  // statements are independent). Exceptions become its status.
  absl::Status WriteAutocommit(Body body) ABSL_LOCKS_EXCLUDED(write_mu_);

  // Like Write(), but bodies of concurrent callers share transactions
  // (group commit, see GroupCommitter): each body runs inside its own
  // savepoint, so one that fails rolls back alone; a failed COMMIT fails
  // every body of the batch. The body may run on another caller's thread
  // and must not wait for other writes.
  absl::Status WriteBatched(Body body) ABSL_LOCKS_EXCLUDED(write_mu_);

  // Runs `body` on a leased read-only connection. Each statement sees
  // every write committed before it starts; any write through the
  // connection fails (INTERNAL). Exceptions become its status.
  absl::Status Read(Body body);

  // Like Read(), inside a read transaction, so that all of `body`'s
  // statements see one snapshot of the database.
  absl::Status ReadSnapshot(Body body);

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

  const std::string& path() const { return path_; }
  // The schema version Open() left the file at.
  int schema_version() const { return schema_version_; }
  // How many read-only connections Read() and ReadSnapshot() share.
  int readers() const { return readers_->size(); }
  // Checkpoints so far (tests, metrics).
  int64_t checkpoints() const { return checkpointer_->checkpoints(); }
  // WriteBatched() transactions so far (tests, metrics).
  size_t batched_transactions() const { return batched_.transactions(); }

 private:
  Store(std::string path, std::unique_ptr<Database> writer,
        std::unique_ptr<Checkpointer> checkpointer,
        std::unique_ptr<ReaderPool> readers, size_t max_batch);

  const std::string path_;
  const int schema_version_;
  mutable absl::Mutex write_mu_;
  const std::unique_ptr<Database> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  // Checkpoints writer_'s WAL; destroyed (stopped) before writer_ closes.
  const std::unique_ptr<Checkpointer> checkpointer_;
  // WriteBatched() transactions, on writer_ under write_mu_.
  GroupCommitter batched_;
  // Thread-safe itself; declared after writer_ so that it closes first.
  const std::unique_ptr<ReaderPool> readers_;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_STORE_H_
