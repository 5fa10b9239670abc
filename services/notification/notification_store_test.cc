#include "services/notification/notification_store.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class NotificationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = NotificationStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  NotificationRecord New(int64_t user_id, int64_t source_job_id) {
    NotificationRecord record;
    record.user_id = user_id;
    record.ticket_id = 7;
    record.subject = "Status changed";
    record.message = "Ticket #7 is now RESOLVED.";
    record.create_time = kNow;
    record.source_job_id = source_job_id;
    return record;
  }

  // EXPLAIN QUERY PLAN of `sql`, one detail per line, with every
  // parameter bound to 1.
  std::string QueryPlan(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement explain(db, "EXPLAIN QUERY PLAN " + sql);
    for (int i = 1; i <= explain.getBindParameterCount(); ++i) {
      explain.bind(i, 1);
    }
    std::string plan;
    while (explain.executeStep()) {
      plan += explain.getColumn(3).getString() + "\n";
    }
    return plan;
  }

  // The unread count the hard way, for checking the maintained counter.
  int64_t CountUnreadRows(int64_t user_id) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement count(db,
                            "SELECT COUNT(*) FROM notifications "
                            "WHERE user_id = ? AND read_time IS NULL");
    count.bind(1, user_id);
    count.executeStep();
    return count.getColumn(0).getInt64();
  }

  helpdesk::testing::TempDir dir_;
  const std::string path_ = dir_.File("notifications.db");
  std::unique_ptr<NotificationStore> store_;
};

TEST_F(NotificationStoreTest, UnreadCountIsAPrimaryKeyLookup) {
  const std::string plan = QueryPlan(kSelectUnreadCountSql);
  EXPECT_THAT(plan,
              HasSubstr("SEARCH unread_counts USING INTEGER PRIMARY KEY"));
  EXPECT_THAT(plan, Not(HasSubstr("SCAN")));
  EXPECT_THAT(plan, Not(HasSubstr("notifications")));
}

TEST_F(NotificationStoreTest, ListQueriesSearchAPerUserIndex) {
  const std::string all = QueryPlan(kListNotificationsSql);
  EXPECT_THAT(all, HasSubstr("USING INDEX notifications_by_user"));
  EXPECT_THAT(all, Not(HasSubstr("SCAN")));
  EXPECT_THAT(all, Not(HasSubstr("TEMP B-TREE")));  // no sort step
  const std::string unread = QueryPlan(kListUnreadNotificationsSql);
  EXPECT_THAT(unread, HasSubstr("USING INDEX notifications_unread_by_user"));
  EXPECT_THAT(unread, Not(HasSubstr("SCAN")));
  EXPECT_THAT(unread, Not(HasSubstr("TEMP B-TREE")));
}

TEST_F(NotificationStoreTest, RepeatedSourceJobReturnsTheExistingRow) {
  auto first = store_->CreateNotification(New(1, 100));
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->created);
  NotificationRecord retry = New(1, 100);
  retry.subject = "A different subject";
  auto second = store_->CreateNotification(retry);
  ASSERT_THAT(second, IsOk());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->notification.id, first->notification.id);
  EXPECT_EQ(second->notification.subject, "Status changed");
  EXPECT_EQ(second->unread.count, 1);

  auto other_user = store_->CreateNotification(New(2, 100));
  ASSERT_THAT(other_user, IsOk());
  EXPECT_TRUE(other_user->created);
}

TEST_F(NotificationStoreTest, ConcurrentRetriesInsertOneRow) {
  std::vector<int64_t> ids(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto created = store_->CreateNotification(New(3, 555));
      if (created.ok()) ids[t] = created->notification.id;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int64_t id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_NE(ids[0], 0);
  EXPECT_EQ(CountUnreadRows(3), 1);
}

TEST_F(NotificationStoreTest, CounterMatchesTheRowsAfterEveryChange) {
  std::mt19937 random(7);
  std::vector<int64_t> ids[3];
  int64_t next_job = 1;
  for (int step = 0; step < 300; ++step) {
    const int64_t user = 1 + static_cast<int64_t>(random() % 3);
    auto& own = ids[user - 1];
    switch (own.empty() ? 0 : random() % 4) {
      case 0: {
        auto created = store_->CreateNotification(New(user, next_job++));
        ASSERT_THAT(created, IsOk());
        own.push_back(created->notification.id);
        EXPECT_EQ(created->unread.count, CountUnreadRows(user));
        break;
      }
      case 1: {
        auto marked = store_->MarkRead(user, own[random() % own.size()], kNow);
        ASSERT_THAT(marked, IsOk());
        EXPECT_EQ(marked->unread.count, CountUnreadRows(user));
        break;
      }
      case 2: {
        auto marked = store_->MarkUnread(user, own[random() % own.size()]);
        ASSERT_THAT(marked, IsOk());
        EXPECT_EQ(marked->unread.count, CountUnreadRows(user));
        break;
      }
      default: {
        auto marked = store_->MarkAllRead(user, kNow);
        ASSERT_THAT(marked, IsOk());
        EXPECT_EQ(marked->unread.count, 0);
        break;
      }
    }
    for (int64_t u = 1; u <= 3; ++u) {
      auto count = store_->GetUnreadCount(u);
      ASSERT_THAT(count, IsOk());
      ASSERT_EQ(count->count, CountUnreadRows(u)) << "user " << u;
    }
  }
}

TEST_F(NotificationStoreTest, VersionsGrowWithEveryChange) {
  auto before = store_->GetUnreadCount(1);
  ASSERT_THAT(before, IsOk());
  auto created = store_->CreateNotification(New(1, 1));
  ASSERT_THAT(created, IsOk());
  EXPECT_GT(created->unread.version, before->version);
  auto read = store_->MarkRead(1, created->notification.id, kNow);
  ASSERT_THAT(read, IsOk());
  EXPECT_GT(read->unread.version, created->unread.version);
  auto again = store_->MarkRead(1, created->notification.id, kNow);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->unread.version, read->unread.version);
}

// Reads run on their own connections while changes commit: a count is never
// older than its version says (here state v has exactly v unread), and a
// page agrees with the count it carries.
TEST_F(NotificationStoreTest, ReadsDuringChangesAreNeverOlderThanTheirVersion) {
  constexpr int kChanges = 200;
  std::thread writer([&] {
    for (int job = 1; job <= kChanges; ++job) {
      ASSERT_THAT(store_->CreateNotification(New(1, job)), IsOk());
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto count = store_->GetUnreadCount(1);
        ASSERT_THAT(count, IsOk());
        EXPECT_GE(count->count, static_cast<int64_t>(count->version));
        auto page = store_->ListNotifications(1, true, 0, kChanges);
        ASSERT_THAT(page, IsOk());
        EXPECT_GE(page->unread.count,
                  static_cast<int64_t>(page->unread.version));
        EXPECT_EQ(static_cast<int64_t>(page->notifications.size()),
                  page->unread.count);
      }
    });
  }
  writer.join();
  for (auto& reader : readers) reader.join();
  auto final_count = store_->GetUnreadCount(1);
  ASSERT_THAT(final_count, IsOk());
  EXPECT_EQ(final_count->count, kChanges);
  EXPECT_EQ(final_count->version, static_cast<uint64_t>(kChanges));
}

TEST_F(NotificationStoreTest, AnotherUsersNotificationIsNotFound) {
  auto created = store_->CreateNotification(New(1, 1));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(store_->MarkRead(2, created->notification.id, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->MarkUnread(2, created->notification.id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(CountUnreadRows(1), 1);
}

TEST_F(NotificationStoreTest, ReopeningKeepsRowsAndCounts) {
  ASSERT_THAT(store_->CreateNotification(New(1, 1)), IsOk());
  ASSERT_THAT(store_->CreateNotification(New(1, 2)), IsOk());
  store_.reset();
  auto reopened = NotificationStore::Open(path_);
  ASSERT_THAT(reopened, IsOk());
  auto count = (*reopened)->GetUnreadCount(1);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->count, 2);
}

}  // namespace
}  // namespace helpdesk::notification
