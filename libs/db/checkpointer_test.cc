#include "libs/db/checkpointer.h"

#include <memory>
#include <string>

#include "SQLiteCpp/Statement.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/database.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"
#include "sqlite3.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::WaitFor;

constexpr Migration kMigrations[] = {
    {1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"}};

// Frames in the WAL that no checkpoint has copied yet, as SQLite reports
// them to a checkpoint that copies nothing new.
class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(path_, kMigrations);
    ASSERT_THAT(db, IsOk());
    writer_ = std::move(*db);
  }

  void WritePages(int rows) {
    ASSERT_THAT(writer_->InTransaction([&]() -> absl::Status {
      SQLite::Statement insert(writer_->connection(),
                               "INSERT INTO notes (body) VALUES (?)");
      for (int i = 0; i < rows; ++i) {
        insert.reset();
        insert.bind(1, std::string(2000, 'x'));  // about half a page each
        insert.exec();
      }
      return absl::OkStatus();
    }),
                IsOk());
  }

  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("test.db");
  std::unique_ptr<Database> writer_;
};

TEST_F(CheckpointerTest, CheckpointsOnItsOwnThreadOnceTheWalIsLong) {
  auto checkpointer = Checkpointer::Start(writer_.get(), path_,
                                          {/*wal_pages=*/20, absl::Hours(1)});
  ASSERT_THAT(checkpointer, IsOk());
  WritePages(100);  // ~50 pages: past the threshold
  // The thread wakes on the commit; wait for it (no timing assumed).
  WaitFor([&] { return (*checkpointer)->checkpoints() > 0; });
  EXPECT_GE((*checkpointer)->checkpoints(), 1);
  // It really copied the WAL into the file (a checkpoint through a
  // connection that never read the file copies nothing and says so only
  // by a frame count of -1).
  EXPECT_GT((*checkpointer)->frames_copied(), 0);
  // The writer keeps working, and what it wrote is all there.
  WritePages(10);
  SQLite::Statement count(writer_->connection(), "SELECT COUNT(*) FROM notes");
  ASSERT_TRUE(count.executeStep());
  EXPECT_EQ(count.getColumn(0).getInt(), 110);
}

TEST_F(CheckpointerTest, SmallWritesWaitForTheInterval) {
  auto checkpointer = Checkpointer::Start(writer_.get(), path_,
                                          {/*wal_pages=*/1000, absl::Hours(1)});
  ASSERT_THAT(checkpointer, IsOk());
  WritePages(2);
  EXPECT_EQ((*checkpointer)->checkpoints(), 0);
}

TEST_F(CheckpointerTest, StoppingGivesTheWriterItsOwnCheckpointsBack) {
  {
    auto checkpointer = Checkpointer::Start(writer_.get(), path_);
    ASSERT_THAT(checkpointer, IsOk());
  }
  // With automatic checkpoints back, the writer's own commits copy the WAL
  // once it passes kAutoCheckpointPages: a checkpoint afterwards finds at
  // most what the commits since then added.
  const int rows_per_commit = 400;  // ~200 pages
  const int commits = Database::kAutoCheckpointPages / 200 + 10;
  for (int i = 0; i < commits; ++i) WritePages(rows_per_commit);
  int log_frames = -1;
  int copied = -1;
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer_->connection().getHandle(),
                                      nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                      &log_frames, &copied),
            SQLITE_OK);
  EXPECT_LT(log_frames, Database::kAutoCheckpointPages);
}

}  // namespace
}  // namespace helpdesk::db
