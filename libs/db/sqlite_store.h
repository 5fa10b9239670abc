#ifndef HELPDESK_LIBS_DB_SQLITE_STORE_H_
#define HELPDESK_LIBS_DB_SQLITE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/db/checkpointer.h"
#include "libs/db/database.h"
#include "libs/db/group_commit.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"

namespace helpdesk::db {

// The SQLite engine of a Store: one writer connection behind the write
// mutex, a pool of read-only connections (WAL: reads run in parallel with
// each other and with the writer, waiting only while every reader is
// leased), WAL checkpoints on a thread and connection of their own (no
// writer's COMMIT pays for one), and group commit for WriteBatched().
// SQLite errors a body throws become its status (Guard). Destroying it
// waits for leased readers and stops the checkpointer before the writer
// closes.
class SqliteStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const StoreOptions& options);
  ~SqliteStore() override;

  using Store::Write;
  Engine engine() const override { return Engine::kSqlite; }
  absl::Status Write(Body body, absl::FunctionRef<void()> committed) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status WriteAutocommit(Body body) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  using Store::WriteBatched;
  absl::Status WriteBatched(Body body,
                            absl::FunctionRef<void()> committed) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status Read(Body body) override;
  absl::Status ReadSnapshot(Body body) override;
  int readers() const override { return readers_->size(); }
  int64_t checkpoints() const override { return checkpointer_->checkpoints(); }
  size_t batched_transactions() const override {
    return batched_.transactions();
  }

  const std::string& path() const { return path_; }

 private:
  SqliteStore(std::string path, std::unique_ptr<Database> writer,
              std::unique_ptr<Checkpointer> checkpointer,
              std::unique_ptr<ReaderPool> readers, size_t max_batch);

  const std::string path_;
  const std::unique_ptr<Database> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  // Checkpoints writer_'s WAL; destroyed (stopped) before writer_ closes.
  const std::unique_ptr<Checkpointer> checkpointer_;
  // WriteBatched() transactions, on writer_ under write_mu_.
  GroupCommitter batched_;
  // Thread-safe itself; declared after writer_ so that it closes first.
  const std::unique_ptr<ReaderPool> readers_;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_SQLITE_STORE_H_
