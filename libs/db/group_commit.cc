#include "libs/db/group_commit.h"

#include <algorithm>
#include <vector>

#include "libs/db/database.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {
namespace {

constexpr char kSavepointSql[] = "SAVEPOINT group_commit_write";
constexpr char kReleaseSql[] = "RELEASE group_commit_write";
constexpr char kRollbackToSql[] =
    "ROLLBACK TO group_commit_write; RELEASE group_commit_write";

}  // namespace

absl::Status GroupCommitter::Run(
    absl::FunctionRef<absl::Status(Connection&)> write,
    absl::FunctionRef<void()> committed) {
  Pending pending{write, committed};
  absl::MutexLock lock(&mu_);
  queue_.push_back(&pending);
  while (true) {
    auto done_or_free = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pending.done || !leading_;
    };
    mu_.Await(absl::Condition(&done_or_free));
    if (pending.done) return pending.status;

    // Nobody leads and our write is still queued: lead this batch (which
    // takes the oldest writes first, ours among them within max_batch).
    const size_t take = std::min(queue_.size(), max_batch_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + take);
    queue_.erase(queue_.begin(), queue_.begin() + take);
    leading_ = true;
    mu_.Unlock();
    RunBatch(batch);
    mu_.Lock();
    for (Pending* written : batch) written->done = true;
    ++transactions_;
    writes_ += batch.size();
    leading_ = false;
  }
}

void GroupCommitter::RunBatch(const std::vector<Pending*>& batch) {
  const absl::Status committed = transaction_(
      [&](Connection& writer) -> absl::Status {
        for (Pending* pending : batch) {
          RETURN_IF_ERROR(writer.ExecuteScript(kSavepointSql));
          pending->status = Guard([&] { return pending->write(writer); });
          if (aborts_batch_ && aborts_batch_(pending->status)) {
            return pending->status;
          }
          RETURN_IF_ERROR(writer.ExecuteScript(
              pending->status.ok() ? kReleaseSql : kRollbackToSql));
        }
        return absl::OkStatus();
      },
      [&] {
        for (Pending* pending : batch) {
          if (pending->status.ok()) pending->committed();
        }
      });
  if (!committed.ok()) {
    for (Pending* pending : batch) pending->status = committed;
  }
}

size_t GroupCommitter::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

size_t GroupCommitter::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

size_t GroupCommitter::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

}  // namespace helpdesk::db
