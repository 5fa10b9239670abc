#include "libs/outbox/outbox.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/database.h"
#include "libs/db/migration.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::outbox {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;

constexpr char kNotesSql[] =
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
constexpr db::Migration kMigrations[] = {
    {1, "notes", kNotesSql},
    OutboxMigration(2),
};

constexpr char kInsertNoteSql[] = "INSERT INTO notes (body) VALUES (?)";

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Database::Open(path_, kMigrations);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
  }

  absl::Status InsertNote(const std::string& body) {
    return db::Guard([&]() -> absl::Status {
      auto statement = db_->Prepare(kInsertNoteSql);
      if (!statement.ok()) return statement.status();
      (*statement)->bind(1, body);
      (*statement)->exec();
      return absl::OkStatus();
    });
  }

  int64_t Count(const std::string& table) {
    return db_->connection()
        .execAndGet("SELECT COUNT(*) FROM " + table)
        .getInt64();
  }

  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("service.db");
  std::unique_ptr<db::Database> db_;
};

TEST_F(OutboxTest, SchemaCreatesTableWithNotNullColumnsAndIndex) {
  SQLite::Statement columns(db_->connection(),
                            "SELECT name, \"notnull\" FROM "
                            "pragma_table_info('outbox') ORDER BY cid");
  std::vector<std::string> names;
  while (columns.executeStep()) {
    names.push_back(columns.getColumn(0).getString());
    EXPECT_EQ(columns.getColumn(1).getInt(), 1)
        << columns.getColumn(0).getString() << " must be NOT NULL";
  }
  EXPECT_THAT(names, ElementsAre("id", "destination", "idempotency_key",
                                 "payload", "create_time", "attempts",
                                 "next_attempt_time", "last_error"));
  SQLite::Statement index(db_->connection(),
                          "SELECT name FROM pragma_index_info("
                          "'outbox_destination_id') ORDER BY seqno");
  std::vector<std::string> indexed;
  while (index.executeStep()) indexed.push_back(index.getColumn(0).getString());
  EXPECT_THAT(indexed, ElementsAre("destination", "id"));
}

TEST_F(OutboxTest, EnqueueInCommittedTransactionStoresTheRow) {
  absl::StatusOr<OutboxMessage> message;
  ASSERT_THAT(db_->InTransaction([&]() -> absl::Status {
    if (absl::Status s = InsertNote("changed"); !s.ok()) return s;
    message = Enqueue(*db_, "audit", "event-bytes", kNow);
    return message.status();
  }),
              IsOk());
  ASSERT_THAT(message, IsOk());
  EXPECT_GT(message->id, 0);
  EXPECT_EQ(message->destination, "audit");
  EXPECT_THAT(message->idempotency_key, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(message->payload, "event-bytes");
  EXPECT_EQ(message->attempts, 0);
  EXPECT_EQ(message->create_time, kNow);

  SQLite::Statement row(
      db_->connection(),
      "SELECT id, destination, idempotency_key, payload, create_time, "
      "attempts, next_attempt_time, last_error FROM outbox ORDER BY id");
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getInt64(), message->id);
  EXPECT_EQ(row.getColumn(1).getString(), "audit");
  EXPECT_EQ(row.getColumn(2).getString(), message->idempotency_key);
  EXPECT_EQ(row.getColumn(3).getString(), "event-bytes");
  EXPECT_EQ(row.getColumn(4).getInt64(), absl::ToUnixMicros(kNow));
  EXPECT_EQ(row.getColumn(5).getInt(), 0);
  EXPECT_EQ(row.getColumn(6).getInt64(), absl::ToUnixMicros(kNow));
  EXPECT_EQ(row.getColumn(7).getString(), "");
  EXPECT_FALSE(row.executeStep());
}

TEST_F(OutboxTest, EnqueueInRolledBackTransactionLeavesNoRow) {
  absl::Status status = db_->InTransaction([&]() -> absl::Status {
    EXPECT_THAT(InsertNote("changed"), IsOk());
    EXPECT_THAT(Enqueue(*db_, "audit", "event", kNow), IsOk());
    return absl::AbortedError("business rule failed");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Count("outbox"), 0);
  EXPECT_EQ(Count("notes"), 0);
}

TEST_F(OutboxTest, EnqueueOutsideATransactionIsRefused) {
  EXPECT_THAT(Enqueue(*db_, "audit", "event", kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Count("outbox"), 0);
}

TEST_F(OutboxTest, EnqueueRejectsAnEmptyDestination) {
  EXPECT_THAT(db_->InTransaction(
                  [&] { return Enqueue(*db_, "", "event", kNow).status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Count("outbox"), 0);
}

TEST_F(OutboxTest, PayloadIsStoredAsABinarySafeBlob) {
  const std::string binary("a\0b\xff", 4);
  ASSERT_THAT(db_->InTransaction([&]() -> absl::Status {
    if (auto m = Enqueue(*db_, "jobs", binary, kNow); !m.ok()) {
      return m.status();
    }
    return Enqueue(*db_, "jobs", "", kNow).status();
  }),
              IsOk());
  SQLite::Statement rows(
      db_->connection(),
      "SELECT typeof(payload), payload FROM outbox ORDER BY id");
  ASSERT_TRUE(rows.executeStep());
  EXPECT_EQ(rows.getColumn(0).getString(), "blob");
  EXPECT_EQ(rows.getColumn(1).getString(), binary);
  ASSERT_TRUE(rows.executeStep());
  EXPECT_EQ(rows.getColumn(0).getString(), "blob");
  EXPECT_EQ(rows.getColumn(1).getString(), "");
}

TEST_F(OutboxTest, EveryMessageGetsItsOwnKey) {
  absl::flat_hash_set<std::string> keys;
  ASSERT_THAT(db_->InTransaction([&]() -> absl::Status {
    for (int i = 0; i < 200; ++i) {
      auto message = Enqueue(*db_, "audit", "event", kNow);
      if (!message.ok()) return message.status();
      keys.insert(message->idempotency_key);
    }
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(keys.size(), 200u);
}

TEST_F(OutboxTest, KeysAreUniqueAcrossRecreatedDatabases) {
  absl::StatusOr<OutboxMessage> before;
  ASSERT_THAT(db_->InTransaction([&] {
    before = Enqueue(*db_, "audit", "event", kNow);
    return before.status();
  }),
              IsOk());
  db_.reset();
  std::filesystem::remove_all(dir_.path());
  std::filesystem::create_directories(dir_.path());
  auto recreated = db::Database::Open(path_, kMigrations);
  ASSERT_THAT(recreated, IsOk());
  absl::StatusOr<OutboxMessage> after;
  ASSERT_THAT((*recreated)->InTransaction([&] {
    after = Enqueue(**recreated, "audit", "event", kNow);
    return after.status();
  }),
              IsOk());
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(before->id, after->id) << "the row id starts over";
  EXPECT_NE(before->idempotency_key, after->idempotency_key);
}

TEST(NewIdempotencyKeyTest, Is128BitsOfHex) {
  const std::string key = NewIdempotencyKey();
  EXPECT_THAT(key, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(key, NewIdempotencyKey());
}

}  // namespace
}  // namespace helpdesk::outbox
