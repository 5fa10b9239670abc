#include "libs/db/sqlite_store.h"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/checkpointer.h"
#include "libs/db/database.h"
#include "libs/db/reader_pool.h"
#include "libs/db/sqlite_connection.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const StoreOptions& options) {
  const std::string& path = options.location.path;
  // The writer first: it creates and migrates the file the others open.
  ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                   Database::Open(path, options.migrations));
  ASSIGN_OR_RETURN(
      std::unique_ptr<Checkpointer> checkpointer,
      Checkpointer::Start(writer.get(), path, options.checkpoints));
  ASSIGN_OR_RETURN(std::unique_ptr<ReaderPool> readers,
                   ReaderPool::Open(path, options.location.readers));
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(path, std::move(writer), std::move(checkpointer),
                      std::move(readers), options.max_batch));
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Database> writer,
                         std::unique_ptr<Checkpointer> checkpointer,
                         std::unique_ptr<ReaderPool> readers, size_t max_batch)
    : Store(writer->schema_version()),
      path_(std::move(path)),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)),
      batched_(
          [this](GroupCommitter::Batch batch,
                 absl::FunctionRef<void()> committed) {
            absl::MutexLock lock(&write_mu_);
            SqliteConnection writer(*writer_);
            RETURN_IF_ERROR(
                writer_->InTransaction([&] { return batch(writer); }));
            committed();
            return absl::OkStatus();
          },
          max_batch),
      readers_(std::move(readers)) {}

SqliteStore::~SqliteStore() = default;

absl::Status SqliteStore::Write(Body body,
                                absl::FunctionRef<void()> committed) {
  absl::MutexLock lock(&write_mu_);
  SqliteConnection writer(*writer_);
  RETURN_IF_ERROR(writer_->InTransaction([&] { return body(writer); }));
  committed();
  return absl::OkStatus();
}

absl::Status SqliteStore::WriteAutocommit(Body body) {
  absl::MutexLock lock(&write_mu_);
  SqliteConnection writer(*writer_);
  return Guard([&] { return body(writer); });
}

absl::Status SqliteStore::WriteBatched(Body body,
                                       absl::FunctionRef<void()> committed) {
  return batched_.Run(body, committed);
}

absl::Status SqliteStore::Read(Body body) {
  ReaderPool::Lease reader = readers_->Acquire();
  SqliteConnection connection(*reader);
  return Guard([&] { return body(connection); });
}

absl::Status SqliteStore::ReadSnapshot(Body body) {
  ReaderPool::Lease reader = readers_->Acquire();
  SqliteConnection connection(*reader);
  return reader->InReadTransaction([&] { return body(connection); });
}

}  // namespace helpdesk::db
