#include "libs/db/database.h"

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/migration.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::HasSubstr;

constexpr Migration kV1 = {1, "notes table",
                           "CREATE TABLE notes ("
                           "  id INTEGER PRIMARY KEY,"
                           "  body TEXT NOT NULL UNIQUE)"};
constexpr Migration kV2 = {2, "notes.pinned",
                           "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT "
                           "NULL DEFAULT 0"};
constexpr Migration kBroken = {2, "broken",
                               "ALTER TABLE notes ADD COLUMN x INTEGER;"
                               "THIS IS NOT SQL"};

constexpr char kInsertNoteSql[] = "INSERT INTO notes (body) VALUES (?)";
constexpr char kCountNotesSql[] = "SELECT COUNT(*) FROM notes";

int CountNotes(Database& db) {
  auto statement = db.Prepare(kCountNotesSql);
  EXPECT_THAT(statement, IsOk());
  if (!statement.ok() || !(*statement)->executeStep()) return -1;
  return (*statement)->getColumn(0).getInt();
}

absl::Status InsertNote(Database& db, const std::string& body) {
  return Guard([&]() -> absl::Status {
    auto statement = db.Prepare(kInsertNoteSql);
    if (!statement.ok()) return statement.status();
    (*statement)->bind(1, body);
    (*statement)->exec();
    return absl::OkStatus();
  });
}

class DatabaseTest : public ::testing::Test {
 protected:
  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("test.db");
};

TEST_F(DatabaseTest, AppliesMigrationsInOrderOnANewFile) {
  auto db = Database::Open(path_, {kV1, kV2});
  ASSERT_THAT(db, IsOk());
  EXPECT_EQ((*db)->schema_version(), 2);
  EXPECT_THAT(
      (*db)->Execute("INSERT INTO notes (body, pinned) VALUES ('a', 1)"),
      IsOk());
}

TEST_F(DatabaseTest, SetsWalForeignKeysAndSynchronousNormal) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  SQLite::Database& connection = (*db)->connection();
  EXPECT_EQ(connection.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(connection.execAndGet("PRAGMA foreign_keys").getInt(), 1);
  EXPECT_EQ(connection.execAndGet("PRAGMA synchronous").getInt(), 1);
}

TEST_F(DatabaseTest, ReopenedFileKeepsDataAndAppliesOnlyNewMigrations) {
  {
    auto db = Database::Open(path_, {kV1});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(InsertNote(**db, "kept"), IsOk());
  }
  auto db = Database::Open(path_, {kV1, kV2});
  ASSERT_THAT(db, IsOk());
  EXPECT_EQ((*db)->schema_version(), 2);
  EXPECT_EQ(CountNotes(**db), 1);
  EXPECT_EQ((*db)
                ->connection()
                .execAndGet("SELECT COUNT(*) FROM schema_version")
                .getInt(),
            2);
}

TEST_F(DatabaseTest, FailedMigrationRollsBackAndIsNotRecorded) {
  ASSERT_THAT(Database::Open(path_, {kV1}), IsOk());
  EXPECT_THAT(Database::Open(path_, {kV1, kBroken}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("migration 2")));
  auto db = Database::Open(path_, {kV1, kV2});
  ASSERT_THAT(db, IsOk()) << "the broken migration's column must be gone";
  EXPECT_EQ((*db)->schema_version(), 2);
}

TEST_F(DatabaseTest, RefusesASchemaNewerThanTheBinaryKnows) {
  ASSERT_THAT(Database::Open(path_, {kV1, kV2}), IsOk());
  EXPECT_THAT(Database::Open(path_, {kV1}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("newer than this binary knows")));
}

TEST_F(DatabaseTest, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream garbage(path_);
    garbage << std::string(8192, 'x');
  }
  EXPECT_THAT(Database::Open(path_, {kV1}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a SQLite")));
}

TEST_F(DatabaseTest, RefusesMigrationsWithGaps) {
  constexpr Migration kV3 = {3, "gap", "SELECT 1"};
  EXPECT_THAT(Database::Open(path_, {kV1, kV3}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("without gaps")));
}

TEST_F(DatabaseTest, TransactionCommitsWhenBodySucceeds) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT((*db)->InTransaction([&] { return InsertNote(**db, "a"); }),
              IsOk());
  EXPECT_EQ(CountNotes(**db), 1);
}

TEST_F(DatabaseTest, TransactionRollsBackWhenBodyReturnsAnError) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  absl::Status status = (*db)->InTransaction([&]() -> absl::Status {
    EXPECT_THAT(InsertNote(**db, "a"), IsOk());
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               "changed my mind"));
  EXPECT_EQ(CountNotes(**db), 0);
}

TEST_F(DatabaseTest, TransactionRollsBackWhenBodyThrows) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  absl::Status status = (*db)->InTransaction([&]() -> absl::Status {
    EXPECT_THAT(InsertNote(**db, "a"), IsOk());
    (*db)->connection().exec("INSERT INTO missing_table VALUES (1)");
    return absl::OkStatus();
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, "internal storage error"));
  EXPECT_EQ(CountNotes(**db), 0);
}

TEST_F(DatabaseTest, UniqueViolationIsAlreadyExistsWithoutSqlText) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(InsertNote(**db, "same"), IsOk());
  absl::Status duplicate = InsertNote(**db, "same");
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(std::string(duplicate.message()),
              ::testing::Not(HasSubstr("notes")));
}

TEST_F(DatabaseTest, CachedStatementIsReusableAfterAFailedStep) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(InsertNote(**db, "same"), IsOk());
  EXPECT_THAT(InsertNote(**db, "same"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(InsertNote(**db, "different"), IsOk());
  EXPECT_EQ(CountNotes(**db), 2);
}

TEST_F(DatabaseTest, PrepareReusesTheCompiledStatement) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  auto first = (*db)->Prepare(kCountNotesSql);
  auto second = (*db)->Prepare(kCountNotesSql);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*first, *second);
}

TEST_F(DatabaseTest, PrepareOfInvalidSqlIsAnError) {
  auto db = Database::Open(path_, {kV1});
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT((*db)->Prepare("SELECT nope FROM nowhere"),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_F(DatabaseTest, WriterWaitsForAnotherConnectionsTransaction) {
  auto first = Database::Open(path_, {kV1});
  auto second = Database::Open(path_, {kV1});
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT((*second)->Execute("BEGIN IMMEDIATE"), IsOk());
  ASSERT_THAT(InsertNote(**second, "held"), IsOk());

  absl::Status waited;
  std::thread writer([&] {
    waited =
        (*first)->InTransaction([&] { return InsertNote(**first, "after"); });
  });
  // The writer is retrying on SQLITE_BUSY meanwhile (its handler waits up
  // to 5 s); it goes through once the other transaction commits.
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_THAT((*second)->Execute("COMMIT"), IsOk());
  writer.join();
  EXPECT_THAT(waited, IsOk());
  EXPECT_EQ(CountNotes(**first), 2);
}

}  // namespace
}  // namespace helpdesk::db
