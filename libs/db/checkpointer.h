#ifndef HELPDESK_LIBS_DB_CHECKPOINTER_H_
#define HELPDESK_LIBS_DB_CHECKPOINTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "SQLiteCpp/Database.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/db/database.h"

namespace helpdesk::db {

// Takes WAL checkpoints off the write path.
//
// By default the connection whose COMMIT takes the WAL past 1 000 pages
// copies the WAL back into the database file and syncs it, inside that
// commit: under a burst of writes (an escalation sweep, many creates) a
// write now and then took several milliseconds longer, and every writer
// queued behind it. A Checkpointer turns the writer's automatic checkpoints
// off and watches its commits (sqlite3_wal_hook); once the WAL holds
// `wal_pages` frames, or every `interval` while it holds any, its own
// thread runs a PASSIVE checkpoint on its own connection, which never
// blocks the writer or readers.
//
// The writer must outlive the Checkpointer; destroying it stops the thread
// and gives the writer its automatic checkpoints back. Thread-safe.
class Checkpointer final {
 public:
  struct Options {
    int wal_pages = 1000;
    absl::Duration interval = absl::Seconds(1);
  };

  // `path` is the writer's file.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(
      Database* writer, const std::string& path, Options options);
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(
      Database* writer, const std::string& path) {
    return Start(writer, path, Options());
  }

  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints run so far, and the WAL frames they copied into the
  // database file (tests, metrics).
  int64_t checkpoints() const;
  int64_t frames_copied() const;

 private:
  Checkpointer(Database* writer, std::unique_ptr<SQLite::Database> own,
               Options options);

  // sqlite3_wal_hook callback: runs on the writer's thread after a commit.
  static int OnCommit(void* self, struct sqlite3* db, const char* name,
                      int wal_pages);
  void Loop();

  Database* const writer_;
  const std::unique_ptr<SQLite::Database> own_;  // used by the thread only
  const Options options_;

  mutable absl::Mutex mu_;
  int wal_pages_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t frames_copied_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_CHECKPOINTER_H_
