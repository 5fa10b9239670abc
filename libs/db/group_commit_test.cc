#include "libs/db/group_commit.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/database.h"
#include "libs/db/sqlite_connection.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::testing::WaitFor;

constexpr Migration kMigrations[] = {
    {1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"}};

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("test.db"), kMigrations);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
    committer_ = std::make_unique<GroupCommitter>(
        [this](GroupCommitter::Batch batch,
               absl::FunctionRef<void()> committed) {
          absl::MutexLock lock(&writer_mu_);
          SqliteConnection writer(*db_);
          absl::Status status =
              db_->InTransaction([&] { return batch(writer); });
          if (status.ok()) committed();
          return status;
        });
  }

  // A write that inserts `body`, then fails when `fail` is set.
  absl::Status Insert(const std::string& body, bool fail = false) {
    return committer_->Run([&](Connection&) -> absl::Status {
      SQLite::Statement insert(db_->connection(),
                               "INSERT INTO notes (body) VALUES (?)");
      insert.bind(1, body);
      insert.exec();
      if (fail) return absl::FailedPreconditionError("refused");
      return absl::OkStatus();
    });
  }

  // A write that holds its transaction open until Release(): whoever
  // writes meanwhile queues for the next transaction.
  absl::Status InsertAndHold(const std::string& body) {
    return committer_->Run([&](Connection&) -> absl::Status {
      db_->connection().exec(
          absl::StrCat("INSERT INTO notes (body) VALUES ('", body, "')"));
      holding_.Notify();
      release_.WaitForNotification();
      return absl::OkStatus();
    });
  }

  void WaitUntilQueued(size_t writes) {
    EXPECT_TRUE(WaitFor([&] { return committer_->queued() >= writes; }))
        << "queued: " << committer_->queued();
  }

  std::vector<std::string> Bodies() {
    std::vector<std::string> bodies;
    SQLite::Statement select(db_->connection(),
                             "SELECT body FROM notes ORDER BY id");
    while (select.executeStep()) bodies.push_back(select.getColumn(0));
    return bodies;
  }

  helpdesk::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  absl::Mutex writer_mu_;
  std::unique_ptr<GroupCommitter> committer_;
  absl::Notification holding_;
  absl::Notification release_;
};

TEST_F(GroupCommitTest, AWriteAloneCommitsInItsOwnTransaction) {
  ASSERT_THAT(Insert("one"), IsOk());
  EXPECT_EQ(committer_->transactions(), 1u);
  EXPECT_EQ(committer_->writes(), 1u);
  EXPECT_THAT(Bodies(), ::testing::ElementsAre("one"));
}

TEST_F(GroupCommitTest, WritesThatQueueMeanwhileShareOneTransaction) {
  absl::Status first;
  std::vector<absl::Status> results(10);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { first = InsertAndHold("first"); });
  holding_.WaitForNotification();
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] { results[i] = Insert(absl::StrCat("w", i)); });
  }
  WaitUntilQueued(10);
  release_.Notify();
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(first, IsOk());
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(committer_->writes(), 11u);
  EXPECT_EQ(committer_->transactions(), 2u);  // "first", then the ten
  EXPECT_EQ(Bodies().size(), 11u);
}

TEST_F(GroupCommitTest, AFailedWriteRollsBackAloneInItsBatch) {
  absl::Status first, good_a, bad, good_b;
  std::vector<std::thread> threads;
  threads.emplace_back([&] { first = InsertAndHold("first"); });
  holding_.WaitForNotification();
  threads.emplace_back([&] { good_a = Insert("good-a"); });
  WaitUntilQueued(1);
  threads.emplace_back([&] { bad = Insert("bad", /*fail=*/true); });
  WaitUntilQueued(2);
  threads.emplace_back([&] { good_b = Insert("good-b"); });
  WaitUntilQueued(3);
  release_.Notify();
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(first, IsOk());
  EXPECT_THAT(good_a, IsOk());
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(good_b, IsOk());
  EXPECT_THAT(Bodies(), ::testing::ElementsAre("first", "good-a", "good-b"));
  EXPECT_EQ(committer_->transactions(), 2u);
}

TEST_F(GroupCommitTest, SqliteErrorsBecomeTheWritesStatus) {
  EXPECT_THAT(committer_->Run([&](Connection&) -> absl::Status {
    db_->connection().exec("INSERT INTO no_such_table VALUES (1)");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Insert("after"), IsOk());
  EXPECT_THAT(Bodies(), ::testing::ElementsAre("after"));
}

TEST_F(GroupCommitTest, CommittedRunsOnlyForWritesThatCommitted) {
  int committed = 0;
  EXPECT_THAT(committer_->Run([&](Connection&) { return absl::OkStatus(); },
                              [&] { ++committed; }),
              IsOk());
  EXPECT_THAT(
      committer_->Run(
          [&](Connection&) { return absl::FailedPreconditionError("no"); },
          [&] { ++committed; }),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(committed, 1);
}

}  // namespace
}  // namespace helpdesk::db
