#include "libs/db/store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/migration.h"
#include "libs/db/sql.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
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

absl::StatusOr<int64_t> SelectInt(Connection& db, const char* sql) {
  ASSIGN_OR_RETURN(Rows rows, db.Query(sql));
  if (rows.empty()) return absl::InternalError("no row");
  return rows.Int64(0, 0);
}

// Reads the counter and writes it back plus one, as two statements: only
// serialised writers lose no increment.
absl::Status Increment(Connection& writer) {
  ASSIGN_OR_RETURN(const int64_t n, SelectInt(writer, kSelectCounterSql));
  return writer.Execute(kIncrementSql, {n + 1}).status();
}

absl::Status InsertNote(Connection& writer, int64_t id,
                        const std::string& body) {
  // Fails ALREADY_EXISTS on a duplicate id.
  return writer.Execute(kInsertNoteSql, {id, body}).status();
}

class StoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    location_ = NewLocation("store");
    ASSERT_THAT(Reopen(), IsOk());
  }

  StoreOptions Options(int readers = 2) {
    StoreOptions options;
    options.location = location_;
    options.location.readers = readers;
    options.migrations = kMigrations;
    options.postgres_migrations = kMigrations;
    return options;
  }

  absl::Status Reopen(int readers = 2) {
    store_.reset();
    ASSIGN_OR_RETURN(store_, Store::Open(Options(readers)));
    return absl::OkStatus();
  }

  int64_t Counter() {
    int64_t n = -1;
    EXPECT_THAT(store_->Read([&](Connection& reader) -> absl::Status {
      ASSIGN_OR_RETURN(n, SelectInt(reader, kSelectCounterSql));
      return absl::OkStatus();
    }),
                IsOk());
    return n;
  }

  int64_t Notes() {
    int64_t n = -1;
    EXPECT_THAT(store_->Read([&](Connection& reader) -> absl::Status {
      ASSIGN_OR_RETURN(n, SelectInt(reader, kCountNotesSql));
      return absl::OkStatus();
    }),
                IsOk());
    return n;
  }

  Location location_;
  std::unique_ptr<Store> store_;
};
HELPDESK_INSTANTIATE_ENGINES(StoreTest);

TEST_P(StoreTest, OpenMigratesAndReports) {
  EXPECT_EQ(store_->engine(), engine());
  EXPECT_EQ(store_->schema_version(), 3);
  EXPECT_EQ(store_->readers(), 2);
  EXPECT_EQ(Counter(), 0);
}

TEST_P(StoreTest, OpenRefusesANewerSchema) {
  store_.reset();
  StoreOptions older = Options();
  older.migrations = older.postgres_migrations =
      absl::MakeConstSpan(kMigrations, 2);
  EXPECT_THAT(Store::Open(older),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("newer than this binary knows")));
  // The file is untouched: the full history opens it.
  EXPECT_THAT(Reopen(), IsOk());
  EXPECT_EQ(store_->schema_version(), 3);
}

TEST_P(StoreTest, OpenRefusesAFileThatIsNotADatabase) {
  if (postgres()) GTEST_SKIP() << "a SQLite file";
  store_.reset();
  const std::string junk = dir_.File("junk.db");
  {
    FILE* file = fopen(junk.c_str(), "w");
    ASSERT_NE(file, nullptr);
    fputs("this is not a database, just some text long enough to read", file);
    fclose(file);
  }
  StoreOptions options = Options();
  options.location.path = junk;
  EXPECT_THAT(Store::Open(options), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(StoreTest, OpenRefusesNoReaders) {
  store_.reset();
  EXPECT_THAT(Store::Open(Options(/*readers=*/0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(StoreTest, ConcurrentWritesLoseNoIncrement) {
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

TEST_P(StoreTest, AllWriteKindsAreSerialisedWithEachOther) {
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
  if (!postgres()) {
    EXPECT_GT(store_->batched_transactions(), 0u);
  }
}

TEST_P(StoreTest, AFailingWriteRollsBack) {
  EXPECT_THAT(
      store_->Write([](Connection& writer) -> absl::Status {
        RETURN_IF_ERROR(InsertNote(writer, 1, "kept?"));
        RETURN_IF_ERROR(Increment(writer));
        return absl::FailedPreconditionError("changed my mind");
      }),
      StatusIs(absl::StatusCode::kFailedPrecondition, "changed my mind"));
  EXPECT_EQ(Notes(), 0);
  EXPECT_EQ(Counter(), 0);
}

TEST_P(StoreTest, AThrowingWriteRollsBackWithAStatus) {
  ASSERT_THAT(store_->Write([](Connection& writer) {
    return InsertNote(writer, 1, "first");
  }),
              IsOk());
  // The second insert throws (duplicate id): the first of this write goes.
  EXPECT_THAT(store_->Write([](Connection& writer) -> absl::Status {
    RETURN_IF_ERROR(InsertNote(writer, 2, "second"));
    return InsertNote(writer, 1, "duplicate");
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Notes(), 1);
  // An engine error is a status too.
  EXPECT_THAT(store_->Write([](Connection& writer) -> absl::Status {
    return writer.Execute("INSERT INTO no_such_table VALUES (1)").status();
  }),
              StatusIs(absl::StatusCode::kInternal));
  // And the writer is usable afterwards.
  EXPECT_THAT(store_->Write(Increment), IsOk());
  EXPECT_EQ(Counter(), 1);
}

TEST_P(StoreTest, CommittedRunsOnlyAfterACommit) {
  int committed = 0;
  EXPECT_THAT(store_->Write(Increment,
                            [&] {
                              store_->AssertWriting();  // still the only writer
                              ++committed;
                            }),
              IsOk());
  EXPECT_EQ(committed, 1);
  EXPECT_THAT(
      store_->Write([](Connection&) { return absl::AbortedError("no"); },
                    [&] { ++committed; }),
      StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(committed, 1);
  EXPECT_EQ(Counter(), 1);
}

TEST_P(StoreTest, WriteAutocommitCommitsEachStatement) {
  // Without a transaction the first insert stays when the second throws.
  EXPECT_THAT(store_->WriteAutocommit([](Connection& writer) -> absl::Status {
    RETURN_IF_ERROR(InsertNote(writer, 1, "one"));
    return InsertNote(writer, 1, "again");
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Notes(), 1);
}

TEST_P(StoreTest, AFailingBatchedWriteRollsBackAlone) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<absl::Status> statuses(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      statuses[t] =
          store_->WriteBatched([&](Connection& writer) -> absl::Status {
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

TEST_P(StoreTest, ReadsSeeCommittedWritesAndCannotWrite) {
  ASSERT_THAT(store_->Write(Increment), IsOk());
  ASSERT_THAT(store_->WriteAutocommit(Increment), IsOk());
  ASSERT_THAT(store_->WriteBatched(Increment), IsOk());
  EXPECT_EQ(Counter(), 3);
  EXPECT_THAT(store_->Read(Increment), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(store_->ReadSnapshot(Increment),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(Counter(), 3);
  // A reopened store reads the same data.
  ASSERT_THAT(Reopen(), IsOk());
  EXPECT_EQ(Counter(), 3);
}

TEST_P(StoreTest, ReadSnapshotAgreesWhileWritesCommit) {
  int64_t first = -1;
  int64_t second = -1;
  // A write commits between the snapshot's two reads (readers never block
  // the writer); the snapshot does not see it, a plain read does.
  ASSERT_THAT(store_->ReadSnapshot([&](Connection& reader) -> absl::Status {
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

TEST_P(StoreTest, ReadsDoNotBlockWrites) {
  absl::Notification reading;
  absl::Notification done;
  std::thread reader([&] {
    EXPECT_THAT(store_->ReadSnapshot([&](Connection& db) -> absl::Status {
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

TEST_P(StoreTest, AtMostReadersReadsRunAtOnce) {
  ASSERT_THAT(Reopen(/*readers=*/3), IsOk());
  EXPECT_EQ(store_->readers(), 3);
  absl::Mutex mu;
  int inside = 0;
  int most_inside = 0;
  bool release = false;
  auto read = [&] {
    EXPECT_THAT(store_->Read([&](Connection& db) -> absl::Status {
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

TEST_P(StoreTest, CheckpointsRunOffTheWritePath) {
  if (postgres()) GTEST_SKIP() << "SQLite's WAL";
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

TEST_P(StoreTest, TwoProcessesWritingOneRowLoseNoIncrement) {
  if (!postgres()) GTEST_SKIP() << "one SQLite file has one writer process";
  // A second store on the same schema stands for another replica: its
  // writes do not share this one's mutex, so read-then-write bodies
  // conflict, and the loser of each conflict runs again.
  absl::StatusOr<std::unique_ptr<Store>> other = Store::Open(Options());
  ASSERT_THAT(other, IsOk());
  constexpr int kIncrements = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Store* store : {store_.get(), other->get()}) {
    threads.emplace_back([&, store] {
      for (int i = 0; i < kIncrements; ++i) {
        if (!store->Write(Increment).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Counter(), 2 * kIncrements);
}

TEST_P(StoreTest, BatchedWritesOfTwoProcessesLoseNoIncrement) {
  if (!postgres()) GTEST_SKIP() << "one SQLite file has one writer process";
  // Group commits of two replicas conflict on one row: the losing batch
  // runs again whole, and every increment lands exactly once.
  absl::StatusOr<std::unique_ptr<Store>> other = Store::Open(Options());
  ASSERT_THAT(other, IsOk());
  constexpr int kThreadsPerStore = 4;
  constexpr int kIncrements = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Store* store : {store_.get(), other->get()}) {
    for (int t = 0; t < kThreadsPerStore; ++t) {
      threads.emplace_back([&, store] {
        for (int i = 0; i < kIncrements; ++i) {
          if (!store->WriteBatched(Increment).ok()) ++failures;
        }
      });
    }
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Counter(), 2 * kThreadsPerStore * kIncrements);
  // Concurrent callers shared transactions.
  EXPECT_LT(store_->batched_transactions() + (*other)->batched_transactions(),
            static_cast<size_t>(2 * kThreadsPerStore * kIncrements));
}

TEST_P(StoreTest, ACallersOwnAbortIsNotRetried) {
  int runs = 0;
  EXPECT_THAT(store_->Write([&](Connection&) {
    ++runs;
    return absl::AbortedError("stale etag");
  }),
              StatusIs(absl::StatusCode::kAborted, "stale etag"));
  EXPECT_EQ(runs, 1);
}

TEST_P(StoreTest, WriteReadCommittedCommits) {
  ASSERT_THAT(store_->WriteReadCommitted(Increment), IsOk());
  EXPECT_EQ(Counter(), 1);
}

}  // namespace
}  // namespace helpdesk::db
