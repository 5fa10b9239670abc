#ifndef HELPDESK_LIBS_DB_GROUP_COMMIT_H_
#define HELPDESK_LIBS_DB_GROUP_COMMIT_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/sql.h"

namespace helpdesk::db {

// Runs the writes of many threads in shared transactions (group commit).
//
// A write pays a fixed price per transaction: on SQLite BEGIN IMMEDIATE,
// and at COMMIT every page it touched goes to the WAL (and full-text
// indexes flush a segment); on PostgreSQL a WAL flush (fsync) per COMMIT,
// and rows every write updates (counters) locked until it. Under
// concurrent writers that price was most of a CreateTicket. Here the first
// caller that finds no transaction running becomes the leader: it takes
// every write queued so far (up to max_batch), runs each inside its own
// SAVEPOINT within one transaction, and hands each caller its own status;
// callers that arrive meanwhile wait for the next batch. A write that fails
// rolls back to its savepoint only; a failed COMMIT fails every write of
// the batch (none of them happened).
//
// `transaction` runs the batch as one transaction of the engine, holding
// whatever serialises the store's writes; the engine may run it again
// (PostgreSQL after a serialization failure), which runs every write of the
// batch again. A write whose status `aborts_batch` accepts ends the
// transaction with that status instead of rolling back to its savepoint (a
// serialization failure spoils the whole transaction). Writes run on the
// leader's thread and must not wait for other callers of Run(). SQLite
// exceptions a write throws become its status (see Guard). Thread-safe.
class GroupCommitter final {
 public:
  using Batch = absl::FunctionRef<absl::Status(Connection&)>;
  // Runs the batch in one transaction; once it committed, runs
  // `committed` while still the only writer (see Store::Write).
  using Transaction =
      std::function<absl::Status(Batch, absl::FunctionRef<void()> committed)>;

  explicit GroupCommitter(
      Transaction transaction, size_t max_batch = 64,
      std::function<bool(const absl::Status&)> aborts_batch = nullptr)
      : transaction_(std::move(transaction)),
        max_batch_(max_batch),
        aborts_batch_(std::move(aborts_batch)) {}

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `write` in a shared transaction and returns its status once the
  // transaction committed (or failed).
  // `committed` runs, if the write committed, right after the COMMIT
  // (see Transaction), in batch order.
  absl::Status Run(
      absl::FunctionRef<absl::Status(Connection&)> write,
      absl::FunctionRef<void()> committed = [] {});

  // Transactions run so far, writes they held, and writes waiting for the
  // next one (tests, metrics).
  size_t transactions() const;
  size_t writes() const;
  size_t queued() const;

 private:
  struct Pending {
    absl::FunctionRef<absl::Status(Connection&)> write;
    absl::FunctionRef<void()> committed;
    absl::Status status;
    bool done = false;
  };

  // Runs `batch` in one transaction; sets each Pending's status.
  void RunBatch(const std::vector<Pending*>& batch);

  const Transaction transaction_;
  const size_t max_batch_;
  const std::function<bool(const absl::Status&)> aborts_batch_;

  mutable absl::Mutex mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  size_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  size_t writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_GROUP_COMMIT_H_
