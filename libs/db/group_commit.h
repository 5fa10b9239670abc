#ifndef HELPDESK_LIBS_DB_GROUP_COMMIT_H_
#define HELPDESK_LIBS_DB_GROUP_COMMIT_H_

#include <cstddef>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/database.h"

namespace helpdesk::db {

// Runs the writes of many threads in shared transactions (group commit).
//
// A write on SQLite pays a fixed price per transaction: BEGIN IMMEDIATE,
// and at COMMIT every page it touched goes to the WAL (and full-text
// indexes flush a segment). Under concurrent writers that price was most of
// a CreateTicket. Here the first caller that finds no transaction running
// becomes the leader: it takes every write queued so far (up to max_batch),
// runs each inside its own SAVEPOINT within one BEGIN IMMEDIATE … COMMIT,
// and hands each caller its own status; callers that arrive meanwhile wait
// for the next batch. A write that fails rolls back to its savepoint only;
// a failed COMMIT fails every write of the batch (none of them happened).
//
// Writes run on the leader's thread while `writer_mu` is held, so they may
// use the writer connection and state `writer_mu` guards; they must not
// wait for other callers of Run(). SQLite exceptions a write throws become
// its status (see Guard). The database and mutex are not owned and must
// outlive this object. Thread-safe.
class GroupCommitter final {
 public:
  GroupCommitter(Database* writer, absl::Mutex* writer_mu,
                 size_t max_batch = 64)
      : writer_(writer), writer_mu_(writer_mu), max_batch_(max_batch) {}

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `write` in a shared transaction and returns its status once the
  // transaction committed (or failed).
  absl::Status Run(absl::FunctionRef<absl::Status()> write);

  // Transactions run so far, writes they held, and writes waiting for the
  // next one (tests, metrics).
  size_t transactions() const;
  size_t writes() const;
  size_t queued() const;

 private:
  struct Pending {
    absl::FunctionRef<absl::Status()> write;
    absl::Status status;
    bool done = false;
  };

  // Runs `batch` in one transaction; sets each Pending's status.
  void RunBatch(const std::vector<Pending*>& batch);

  Database* const writer_;
  absl::Mutex* const writer_mu_;
  const size_t max_batch_;

  mutable absl::Mutex mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  size_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  size_t writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_GROUP_COMMIT_H_
