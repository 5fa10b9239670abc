#include "libs/db/store.h"

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
#include "libs/status/status_macros.h"

namespace helpdesk::db {

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  // The writer first: it creates and migrates the file the others open.
  ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                   Database::Open(options.path, options.migrations));
  ASSIGN_OR_RETURN(
      std::unique_ptr<Checkpointer> checkpointer,
      Checkpointer::Start(writer.get(), options.path, options.checkpoints));
  ASSIGN_OR_RETURN(std::unique_ptr<ReaderPool> readers,
                   ReaderPool::Open(options.path, options.readers));
  return std::unique_ptr<Store>(
      new Store(options.path, std::move(writer), std::move(checkpointer),
                std::move(readers), options.max_batch));
}

Store::Store(std::string path, std::unique_ptr<Database> writer,
             std::unique_ptr<Checkpointer> checkpointer,
             std::unique_ptr<ReaderPool> readers, size_t max_batch)
    : path_(std::move(path)),
      schema_version_(writer->schema_version()),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)),
      batched_(writer_.get(), &write_mu_, max_batch),
      readers_(std::move(readers)) {}

Store::~Store() = default;

absl::Status Store::Write(Body body) {
  absl::MutexLock lock(&write_mu_);
  Database& writer = *writer_;
  return writer.InTransaction([&] { return body(writer); });
}

absl::Status Store::Write(Body body, absl::FunctionRef<void()> committed) {
  absl::MutexLock lock(&write_mu_);
  Database& writer = *writer_;
  RETURN_IF_ERROR(writer.InTransaction([&] { return body(writer); }));
  committed();
  return absl::OkStatus();
}

absl::Status Store::WriteAutocommit(Body body) {
  absl::MutexLock lock(&write_mu_);
  Database& writer = *writer_;
  return Guard([&] { return body(writer); });
}

absl::Status Store::WriteBatched(Body body) {
  // The committer runs `body` on the leader's thread with write_mu_ held.
  return batched_.Run([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    write_mu_.AssertHeld();
    return body(*writer_);
  });
}

absl::Status Store::Read(Body body) {
  ReaderPool::Lease reader = readers_->Acquire();
  return Guard([&] { return body(*reader); });
}

absl::Status Store::ReadSnapshot(Body body) {
  ReaderPool::Lease reader = readers_->Acquire();
  return reader->InReadTransaction([&] { return body(*reader); });
}

}  // namespace helpdesk::db
