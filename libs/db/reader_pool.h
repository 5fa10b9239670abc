#ifndef HELPDESK_LIBS_DB_READER_POOL_H_
#define HELPDESK_LIBS_DB_READER_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/database.h"

namespace helpdesk::db {

// A fixed set of read-only connections (Database::OpenReader) to one
// database file, so that a store's reads run in parallel with each other and
// with its single writer (WAL), instead of queueing behind one mutex.
//
// The store opens its writer Database first (it creates and migrates the
// file), then the pool. Each read takes a lease for the duration of its
// statements and uses the leased Database like any other (Prepare's cache
// is per connection):
//
//   ReaderPool::Lease reader = pool->Acquire();
//   ASSIGN_OR_RETURN(SQLite::Statement* query, reader->Prepare(kSelectSql));
//
// A read sees every transaction committed before it starts, on any
// connection; several statements that must agree go inside
// reader->InReadTransaction(). Reads that happen inside a write transaction
// belong on the writer, not here.
//
// Ownership: the pool owns its connections; a lease borrows one and gives
// it back when destroyed. Destroying the pool waits for every lease.
// Thread-safety: thread-safe; a lease is for the thread that acquired it.
class ReaderPool final {
 public:
  // Reads mostly wait on I/O and full-text search, so a pool may usefully be
  // larger than the number of cores.
  static constexpr int kDefaultSize = 4;

  // Opens `size` readers of `path` (INVALID_ARGUMENT unless size >= 1; the
  // errors of Database::OpenReader otherwise).
  static absl::StatusOr<std::unique_ptr<ReaderPool>> Open(
      const std::string& path, int size = kDefaultSize);

  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;
  ~ReaderPool();

  // One connection lent to the holder until the lease is destroyed, which
  // resets its statements (so none keeps an old snapshot open) and returns
  // it to the pool.
  class Lease final {
   public:
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Database& operator*() const { return *db_; }
    Database* operator->() const { return db_.get(); }

   private:
    friend class ReaderPool;
    Lease(ReaderPool* pool, std::unique_ptr<Database> db)
        : pool_(pool), db_(std::move(db)) {}

    ReaderPool* pool_;
    std::unique_ptr<Database> db_;
  };

  // Lends an idle reader, waiting while all `size()` are lent.
  Lease Acquire() ABSL_LOCKS_EXCLUDED(mu_);

  int size() const { return size_; }

 private:
  explicit ReaderPool(std::vector<std::unique_ptr<Database>> readers);

  void Release(std::unique_ptr<Database> db) ABSL_LOCKS_EXCLUDED(mu_);
  bool HasIdleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty();
  }
  bool AllIdleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(idle_.size()) == size_;
  }

  const int size_;
  absl::Mutex mu_;
  // Readers not lent out; the most recently returned is lent first, so a
  // light load keeps reusing the connections whose caches are warm.
  std::vector<std::unique_ptr<Database>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_READER_POOL_H_
