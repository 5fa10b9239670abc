#include "libs/db/checkpointer.h"

#include <memory>
#include <string>
#include <utility>

#include "SQLiteCpp/Exception.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/log/log.h"
#include "sqlite3.h"

namespace helpdesk::db {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    Database* writer, const std::string& path, Options options) {
  std::unique_ptr<SQLite::Database> own;
  try {
    own = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE,
                                             /*busyTimeoutMs=*/5000);
  } catch (const SQLite::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, " to checkpoint it: ", e.what()));
  }
  // A connection learns that the file is in WAL mode on its first read;
  // until then a checkpoint through it copies nothing (log = -1).
  try {
    own->execAndGet("PRAGMA schema_version");
  } catch (const SQLite::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, " to checkpoint it: ", e.what()));
  }
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(writer, std::move(own), options));
  // Replaces the writer's automatic checkpoints (they use the same hook).
  sqlite3_wal_hook(writer->connection().getHandle(), &Checkpointer::OnCommit,
                   checkpointer.get());
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Loop(); });
  return checkpointer;
}

Checkpointer::Checkpointer(Database* writer,
                           std::unique_ptr<SQLite::Database> own,
                           Options options)
    : writer_(writer), own_(std::move(own)), options_(options) {}

Checkpointer::~Checkpointer() {
  // Automatic checkpoints again (this also replaces our hook).
  sqlite3_wal_autocheckpoint(writer_->connection().getHandle(),
                             Database::kAutoCheckpointPages);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

int Checkpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*name*/,
                           int wal_pages) {
  auto* checkpointer = static_cast<Checkpointer*>(self);
  absl::MutexLock lock(&checkpointer->mu_);
  checkpointer->wal_pages_ = wal_pages;  // the thread wakes when it is due
  return SQLITE_OK;
}

int64_t Checkpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

int64_t Checkpointer::frames_copied() const {
  absl::MutexLock lock(&mu_);
  return frames_copied_;
}

void Checkpointer::Loop() {
  bool unfinished = false;  // the last checkpoint left frames behind
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || wal_pages_ >= options_.wal_pages;
      };
      mu_.AwaitWithTimeout(absl::Condition(&due), options_.interval);
      if (stopping_) return;
      if (wal_pages_ == 0 && !unfinished) continue;
      wal_pages_ = 0;
    }
    int log_frames = 0;
    int copied_frames = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->getHandle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &copied_frames);
    // BUSY (another connection is checkpointing) or frames left behind
    // (readers still use them): try again at the next interval.
    unfinished = rc != SQLITE_OK || copied_frames < log_frames;
    if ((rc != SQLITE_OK && rc != SQLITE_BUSY) || log_frames < 0) {
      LogWarning("wal_checkpoint_failed",
                 {{"code", absl::StrCat(rc)},
                  {"log_frames", absl::StrCat(log_frames)},
                  {"detail", sqlite3_errmsg(own_->getHandle())}});
      continue;
    }
    absl::MutexLock lock(&mu_);
    ++checkpoints_;
    frames_copied_ += copied_frames;
  }
}

}  // namespace helpdesk::db
