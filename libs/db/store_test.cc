#include "libs/db/store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/database.h"
#include "libs/db/migration.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::testing::WaitFor;
using ::testing::HasSubstr;

constexpr Migration kMigrations[] = {
    {1, "counter", "CREATE TABLE counter (n INTEGER NOT NULL)"},
    {2, "one row", "INSERT INTO counter (n) VALUES (0)"},
    {3, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"},
};

constexpr char kSelectCounterSql[] = "SELECT n FROM counter";
constexpr char kIncrementSql[] = "UPDATE counter SET n = ?";
constexpr char kInsertNoteSql[] = "INSERT INTO notes (id, body) VALUES (?, ?)";
constexpr char kCountNotesSql[] = "SELECT COUNT(*) FROM notes";

absl::StatusOr<int64_t> SelectInt(Database& db, const char* sql) {
  ASSIGN_OR_RETURN(SQLite::Statement * query, db.Prepare(sql));
  if (!query->executeStep()) return absl::InternalError("no row");
  const int64_t value = query->getColumn(0).getInt64();
  query->reset();
  return value;
}

// Reads the counter and writes it back plus one, as two statements: only
// serialised writers lose no increment.
absl::Status Increment(Database& writer) {
  ASSIGN_OR_RETURN(const int64_t n, SelectInt(writer, kSelectCounterSql));
  ASSIGN_OR_RETURN(SQLite::Statement * update, writer.Prepare(kIncrementSql));
  update->bind(1, n + 1);
  update->exec();
  return absl::OkStatus();
}

absl::Status InsertNote(Database& writer, int64_t id, const std::string& body) {
  ASSIGN_OR_RETURN(SQLite::Statement * insert, writer.Prepare(kInsertNoteSql));
  insert->bind(1, id);
  insert->bind(2, body);
  insert->exec();  // throws on a duplicate id
  return absl::OkStatus();
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(Reopen(), IsOk()); }

  StoreOptions Options(int readers = 2) {
    StoreOptions options;
    options.path = path_;
    options.migrations = kMigrations;
    options.readers = readers;
    return options;
  }

  absl::Status Reopen(int readers = 2) {
    store_.reset();
    ASSIGN_OR_RETURN(store_, Store::Open(Options(readers)));
    return absl::OkStatus();
  }

  int64_t Counter() {
    int64_t n = -1;
    EXPECT_THAT(store_->Read([&](Database& reader) -> absl::Status {
      ASSIGN_OR_RETURN(n, SelectInt(reader, kSelectCounterSql));
      return absl::OkStatus();
    }),
                IsOk());
    return n;
  }

  int64_t Notes() {
    int64_t n = -1;
    EXPECT_THAT(store_->Read([&](Database& reader) -> absl::Status {
      ASSIGN_OR_RETURN(n, SelectInt(reader, kCountNotesSql));
      return absl::OkStatus();
    }),
                IsOk());
    return n;
  }

  helpdesk::testing::TempDir dir_;
  const std::string path_ = dir_.File("store.db");
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, OpenMigratesAndReports) {
  EXPECT_EQ(store_->path(), path_);
  EXPECT_EQ(store_->schema_version(), 3);
  EXPECT_EQ(store_->readers(), 2);
  EXPECT_EQ(Counter(), 0);
}

TEST_F(StoreTest, OpenRefusesANewerSchema) {
  store_.reset();
  StoreOptions older = Options();
  older.migrations = absl::MakeConstSpan(kMigrations, 2);
  EXPECT_THAT(Store::Open(older),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("newer than this binary knows")));
  // The file is untouched: the full history opens it.
  EXPECT_THAT(Reopen(), IsOk());
  EXPECT_EQ(store_->schema_version(), 3);
}

TEST_F(StoreTest, OpenRefusesAFileThatIsNotADatabase) {
  store_.reset();
  const std::string junk = dir_.File("junk.db");
  {
    FILE* file = fopen(junk.c_str(), "w");
    ASSERT_NE(file, nullptr);
    fputs("this is not a database, just some text long enough to read", file);
    fclose(file);
  }
  StoreOptions options = Options();
  options.path = junk;
  EXPECT_THAT(Store::Open(options), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(StoreTest, OpenRefusesNoReaders) {
  store_.reset();
  EXPECT_THAT(Store::Open(Options(/*readers=*/0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, ConcurrentWritesLoseNoIncrement) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        if (!store_->Write(Increment).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Counter(), kThreads * kIncrements);
}

TEST_F(StoreTest, AllWriteKindsAreSerialisedWithEachOther) {
  constexpr int kIncrements = 150;
  std::atomic<int> failures{0};
  auto run = [&](auto write) {
    return std::thread([&, write] {
      for (int i = 0; i < kIncrements; ++i) {
        if (!write().ok()) ++failures;
      }
    });
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.push_back(run([&] { return store_->Write(Increment); }));
    threads.push_back(run([&] { return store_->WriteAutocommit(Increment); }));
    threads.push_back(run([&] { return store_->WriteBatched(Increment); }));
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Counter(), 6 * kIncrements);
  EXPECT_GT(store_->batched_transactions(), 0u);
}

TEST_F(StoreTest, AFailingWriteRollsBack) {
  EXPECT_THAT(
      store_->Write([](Database& writer) -> absl::Status {
        RETURN_IF_ERROR(InsertNote(writer, 1, "kept?"));
        RETURN_IF_ERROR(Increment(writer));
        return absl::FailedPreconditionError("changed my mind");
      }),
      StatusIs(absl::StatusCode::kFailedPrecondition, "changed my mind"));
  EXPECT_EQ(Notes(), 0);
  EXPECT_EQ(Counter(), 0);
}

TEST_F(StoreTest, AThrowingWriteRollsBackWithAStatus) {
  ASSERT_THAT(store_->Write([](Database& writer) {
    return InsertNote(writer, 1, "first");
  }),
              IsOk());
  // The second insert throws (duplicate id): the first of this write goes.
  EXPECT_THAT(store_->Write([](Database& writer) -> absl::Status {
    RETURN_IF_ERROR(InsertNote(writer, 2, "second"));
    return InsertNote(writer, 1, "duplicate");
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Notes(), 1);
  // A raw exception from the connection is guarded too.
  EXPECT_THAT(store_->Write([](Database& writer) -> absl::Status {
    writer.connection().exec("INSERT INTO no_such_table VALUES (1)");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kInternal));
  // And the writer is usable afterwards.
  EXPECT_THAT(store_->Write(Increment), IsOk());
  EXPECT_EQ(Counter(), 1);
}

TEST_F(StoreTest, CommittedRunsOnlyAfterACommit) {
  int committed = 0;
  EXPECT_THAT(store_->Write(Increment,
                            [&] {
                              store_->AssertWriting();  // still the only writer
                              ++committed;
                            }),
              IsOk());
  EXPECT_EQ(committed, 1);
  EXPECT_THAT(store_->Write([](Database&) { return absl::AbortedError("no"); },
                            [&] { ++committed; }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(committed, 1);
  EXPECT_EQ(Counter(), 1);
}

TEST_F(StoreTest, WriteAutocommitCommitsEachStatement) {
  // Without a transaction the first insert stays when the second throws.
  EXPECT_THAT(store_->WriteAutocommit([](Database& writer) -> absl::Status {
    RETURN_IF_ERROR(InsertNote(writer, 1, "one"));
    return InsertNote(writer, 1, "again");
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Notes(), 1);
}

TEST_F(StoreTest, AFailingBatchedWriteRollsBackAlone) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<absl::Status> statuses(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      statuses[t] = store_->WriteBatched([&](Database& writer) -> absl::Status {
        RETURN_IF_ERROR(InsertNote(writer, t + 1, "note"));
        if (t % 2 == 1) return absl::FailedPreconditionError("odd");
        return absl::OkStatus();
      });
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    if (t % 2 == 1) {
      EXPECT_THAT(statuses[t], StatusIs(absl::StatusCode::kFailedPrecondition));
    } else {
      EXPECT_THAT(statuses[t], IsOk());
    }
  }
  EXPECT_EQ(Notes(), kThreads / 2);
}

TEST_F(StoreTest, ReadsSeeCommittedWritesAndCannotWrite) {
  ASSERT_THAT(store_->Write(Increment), IsOk());
  ASSERT_THAT(store_->WriteAutocommit(Increment), IsOk());
  ASSERT_THAT(store_->WriteBatched(Increment), IsOk());
  EXPECT_EQ(Counter(), 3);
  EXPECT_THAT(store_->Read(Increment), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(store_->ReadSnapshot(Increment),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(Counter(), 3);
  // A reopened store reads the same file.
  ASSERT_THAT(Reopen(), IsOk());
  EXPECT_EQ(Counter(), 3);
}

TEST_F(StoreTest, ReadSnapshotAgreesWhileWritesCommit) {
  int64_t first = -1;
  int64_t second = -1;
  // A write commits between the snapshot's two reads (readers never block
  // the writer); the snapshot does not see it, a plain read does.
  ASSERT_THAT(store_->ReadSnapshot([&](Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(first, SelectInt(reader, kSelectCounterSql));
    RETURN_IF_ERROR(store_->Write(Increment));
    EXPECT_EQ(Counter(), first + 1);
    ASSIGN_OR_RETURN(second, SelectInt(reader, kSelectCounterSql));
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 0);
  EXPECT_EQ(Counter(), 1);
}

TEST_F(StoreTest, ReadsDoNotBlockWrites) {
  absl::Notification reading;
  absl::Notification done;
  std::thread reader([&] {
    EXPECT_THAT(store_->ReadSnapshot([&](Database& db) -> absl::Status {
      RETURN_IF_ERROR(SelectInt(db, kSelectCounterSql).status());
      reading.Notify();
      done.WaitForNotification();
      return absl::OkStatus();
    }),
                IsOk());
  });
  reading.WaitForNotification();
  // The reader holds its snapshot open while these commit.
  for (int i = 0; i < 10; ++i) EXPECT_THAT(store_->Write(Increment), IsOk());
  done.Notify();
  reader.join();
  EXPECT_EQ(Counter(), 10);
}

TEST_F(StoreTest, AtMostReadersReadsRunAtOnce) {
  ASSERT_THAT(Reopen(/*readers=*/3), IsOk());
  EXPECT_EQ(store_->readers(), 3);
  absl::Mutex mu;
  int inside = 0;
  int most_inside = 0;
  bool release = false;
  auto read = [&] {
    EXPECT_THAT(store_->Read([&](Database& db) -> absl::Status {
      RETURN_IF_ERROR(SelectInt(db, kSelectCounterSql).status());
      absl::MutexLock lock(&mu);
      ++inside;
      most_inside = std::max(most_inside, inside);
      mu.Await(absl::Condition(&release));
      --inside;
      return absl::OkStatus();
    }),
                IsOk());
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) threads.emplace_back(read);
  // Three get a reader; the other two wait for one.
  ASSERT_TRUE(WaitFor([&] {
    absl::MutexLock lock(&mu);
    return inside == 3;
  }));
  {
    absl::MutexLock lock(&mu);
    EXPECT_FALSE(
        mu.AwaitWithTimeout(absl::Condition(
                                +[](int* n) { return *n > 3; }, &inside),
                            absl::Milliseconds(100)));
    release = true;
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(most_inside, 3);
}

TEST_F(StoreTest, CheckpointsRunOffTheWritePath) {
  store_.reset();
  StoreOptions options = Options();
  options.checkpoints.wal_pages = 1;
  options.checkpoints.interval = absl::Milliseconds(10);
  auto opened = Store::Open(options);
  ASSERT_THAT(opened, IsOk());
  store_ = std::move(*opened);
  for (int i = 0; i < 20; ++i) ASSERT_THAT(store_->Write(Increment), IsOk());
  EXPECT_TRUE(WaitFor([&] { return store_->checkpoints() > 0; }));
  EXPECT_EQ(Counter(), 20);
}

}  // namespace
}  // namespace helpdesk::db
