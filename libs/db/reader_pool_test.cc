#include "libs/db/reader_pool.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/database.h"
#include "libs/db/migration.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "sqlite3.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

constexpr Migration kNotes = {1, "notes table",
                              "CREATE TABLE notes ("
                              "  id INTEGER PRIMARY KEY,"
                              "  body TEXT NOT NULL)"};
constexpr char kCountNotesSql[] = "SELECT COUNT(*) FROM notes";
constexpr char kSelectNotesSql[] = "SELECT body FROM notes ORDER BY id";

int CountNotes(Database& db) {
  auto statement = db.Prepare(kCountNotesSql);
  EXPECT_THAT(statement, IsOk());
  if (!statement.ok() || !(*statement)->executeStep()) return -1;
  const int count = (*statement)->getColumn(0).getInt();
  (*statement)->reset();
  return count;
}

// SQL function rendezvous(): returns 1 once two calls are inside it at the
// same time (0 after waiting 10 s for the other), so two queries that both
// return 1 ran in parallel.
struct Rendezvous {
  absl::Mutex mu;
  int arrived ABSL_GUARDED_BY(mu) = 0;
};

void RendezvousFunction(sqlite3_context* context, int, sqlite3_value**) {
  auto* rendezvous = static_cast<Rendezvous*>(sqlite3_user_data(context));
  absl::MutexLock lock(&rendezvous->mu);
  ++rendezvous->arrived;
  const bool met = rendezvous->mu.AwaitWithTimeout(
      absl::Condition(
          +[](int* arrived) { return *arrived >= 2; }, &rendezvous->arrived),
      absl::Seconds(10));
  sqlite3_result_int(context, met ? 1 : 0);
}

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = Database::Open(path_, {kNotes});
    ASSERT_THAT(writer, IsOk());
    writer_ = std::move(*writer);
  }

  void Insert(const std::string& body) {
    ASSERT_THAT(writer_->InTransaction([&]() -> absl::Status {
      auto insert = writer_->Prepare("INSERT INTO notes (body) VALUES (?)");
      if (!insert.ok()) return insert.status();
      (*insert)->bind(1, body);
      (*insert)->exec();
      return absl::OkStatus();
    }),
                IsOk());
  }

  std::unique_ptr<ReaderPool> OpenPool(int size) {
    auto pool = ReaderPool::Open(path_, size);
    EXPECT_THAT(pool, IsOk());
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("test.db");
  std::unique_ptr<Database> writer_;
};

TEST_F(ReaderPoolTest, ReaderSeesRowsTheWriterCommitted) {
  auto pool = OpenPool(2);
  ASSERT_NE(pool, nullptr);
  {
    ReaderPool::Lease reader = pool->Acquire();
    EXPECT_EQ(CountNotes(*reader), 0);
  }
  Insert("a");
  Insert("b");
  ReaderPool::Lease reader = pool->Acquire();
  EXPECT_EQ(CountNotes(*reader), 2);
}

TEST_F(ReaderPoolTest, WriteThroughAReaderFails) {
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  {
    ReaderPool::Lease reader = pool->Acquire();
    EXPECT_THAT(reader->Execute("INSERT INTO notes (body) VALUES ('x')"),
                StatusIs(absl::StatusCode::kInternal));
    EXPECT_THAT(reader->InTransaction([] { return absl::OkStatus(); }),
                StatusIs(absl::StatusCode::kInternal));
  }
  EXPECT_EQ(CountNotes(*writer_), 0);
}

TEST_F(ReaderPoolTest, TwoLeasesRunQueriesInParallel) {
  auto pool = OpenPool(2);
  ASSERT_NE(pool, nullptr);
  Rendezvous rendezvous;
  std::atomic<int> met{0};
  auto read = [&] {
    ReaderPool::Lease reader = pool->Acquire();
    sqlite3_create_function(reader->connection().getHandle(), "rendezvous", 0,
                            SQLITE_UTF8, &rendezvous, &RendezvousFunction,
                            nullptr, nullptr);
    met += reader->connection().execAndGet("SELECT rendezvous()").getInt();
  };
  std::thread first(read);
  std::thread second(read);
  first.join();
  second.join();
  EXPECT_EQ(met.load(), 2);
}

TEST_F(ReaderPoolTest, PoolOfOneSerialisesReaders) {
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  std::atomic<bool> second_acquired{false};
  absl::Notification second_done;
  std::thread second;
  {
    ReaderPool::Lease first = pool->Acquire();
    second = std::thread([&] {
      ReaderPool::Lease reader = pool->Acquire();
      second_acquired = true;
      EXPECT_EQ(CountNotes(*reader), 0);
      second_done.Notify();
    });
    absl::SleepFor(absl::Milliseconds(200));
    EXPECT_FALSE(second_acquired.load()) << "acquired while the only lease "
                                            "was held";
  }
  EXPECT_TRUE(second_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  second.join();
}

TEST_F(ReaderPoolTest, DestroyedLeaseReturnsItsConnection) {
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  Database* lent = nullptr;
  {
    ReaderPool::Lease reader = pool->Acquire();
    lent = &*reader;
  }
  ReaderPool::Lease again = pool->Acquire();  // would block if not returned
  EXPECT_EQ(&*again, lent);
}

TEST_F(ReaderPoolTest, LeaseReturnedMidStepDoesNotKeepAnOldSnapshot) {
  Insert("a");
  Insert("b");
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  {
    ReaderPool::Lease reader = pool->Acquire();
    auto select = reader->Prepare(kSelectNotesSql);
    ASSERT_THAT(select, IsOk());
    ASSERT_TRUE((*select)->executeStep());  // one of two rows: still open
  }
  Insert("c");
  ReaderPool::Lease reader = pool->Acquire();
  EXPECT_EQ(CountNotes(*reader), 3);
}

TEST_F(ReaderPoolTest, OpenReadDoesNotBlockTheWriter) {
  Insert("a");
  Insert("b");
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  ReaderPool::Lease reader = pool->Acquire();
  auto select = reader->Prepare(kSelectNotesSql);
  ASSERT_THAT(select, IsOk());
  ASSERT_TRUE((*select)->executeStep());
  const absl::Time start = absl::Now();
  Insert("c");
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(CountNotes(*writer_), 3);
}

TEST_F(ReaderPoolTest, ReadTransactionSeesOneSnapshot) {
  Insert("a");
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  ReaderPool::Lease reader = pool->Acquire();
  int before = 0;
  int after = 0;
  EXPECT_THAT(reader->InReadTransaction([&]() -> absl::Status {
    before = CountNotes(*reader);
    Insert("b");
    after = CountNotes(*reader);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(CountNotes(*reader), 2);
}

TEST_F(ReaderPoolTest, SizeBelowOneIsInvalid) {
  EXPECT_THAT(ReaderPool::Open(path_, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReaderPoolTest, MissingFileIsRefused) {
  EXPECT_THAT(ReaderPool::Open(dir_.File("missing.db"), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ReaderPoolTest, FileWithoutSchemaIsRefused) {
  {
    SQLite::Database blank(dir_.File("blank.db"),
                           SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    blank.exec("CREATE TABLE t (x INTEGER)");
  }
  EXPECT_THAT(ReaderPool::Open(dir_.File("blank.db"), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ReaderPoolTest, ReaderReportsTheWritersSchemaVersion) {
  auto pool = OpenPool(1);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->Acquire()->schema_version(), 1);
}

}  // namespace
}  // namespace helpdesk::db
