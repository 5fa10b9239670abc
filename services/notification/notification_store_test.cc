#include "services/notification/notification_store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/sql.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class NotificationStoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    location_ = NewLocation("notifications");
    auto store = NotificationStore::Open(location_);
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
    std::string plan;
    const std::vector<db::Value> ones(std::count(sql.begin(), sql.end(), '?'),
                                      1);
    EXPECT_THAT(store_->db().Read([&](db::Connection& db) -> absl::Status {
      ASSIGN_OR_RETURN(db::Rows rows,
                       db.Query("EXPLAIN QUERY PLAN " + sql, ones));
      for (int r = 0; r < rows.size(); ++r) plan += rows.Text(r, 3) + "\n";
      return absl::OkStatus();
    }),
                IsOk());
    return plan;
  }

  // The unread count the hard way, for checking the maintained counter.
  int64_t CountUnreadRows(int64_t user_id) {
    int64_t count = -1;
    EXPECT_THAT(store_->db().Read([&](db::Connection& db) -> absl::Status {
      ASSIGN_OR_RETURN(db::Rows rows,
                       db.Query("SELECT COUNT(*) FROM notifications "
                                "WHERE user_id = ? AND read_time IS NULL",
                                {user_id}));
      count = rows.Int64(0, 0);
      return absl::OkStatus();
    }),
                IsOk());
    return count;
  }

  db::Location location_;
  std::unique_ptr<NotificationStore> store_;
};
HELPDESK_INSTANTIATE_ENGINES(NotificationStoreTest);

TEST_P(NotificationStoreTest, UnreadCountIsAPrimaryKeyLookup) {
  if (postgres()) GTEST_SKIP() << "SQLite's query plans";
  const std::string plan = QueryPlan(kSelectUnreadCountSql);
  EXPECT_THAT(plan,
              HasSubstr("SEARCH unread_counts USING INTEGER PRIMARY KEY"));
  EXPECT_THAT(plan, Not(HasSubstr("SCAN")));
  EXPECT_THAT(plan, Not(HasSubstr("notifications")));
}

TEST_P(NotificationStoreTest, ListQueriesSearchAPerUserIndex) {
  if (postgres()) GTEST_SKIP() << "SQLite's query plans";
  const std::string all = QueryPlan(kListNotificationsSql);
  EXPECT_THAT(all, HasSubstr("USING INDEX notifications_by_user"));
  EXPECT_THAT(all, Not(HasSubstr("SCAN")));
  EXPECT_THAT(all, Not(HasSubstr("TEMP B-TREE")));  // no sort step
  const std::string unread = QueryPlan(kListUnreadNotificationsSql);
  EXPECT_THAT(unread, HasSubstr("USING INDEX notifications_unread_by_user"));
  EXPECT_THAT(unread, Not(HasSubstr("SCAN")));
  EXPECT_THAT(unread, Not(HasSubstr("TEMP B-TREE")));
}

TEST_P(NotificationStoreTest, RepeatedSourceJobReturnsTheExistingRow) {
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

TEST_P(NotificationStoreTest, ConcurrentRetriesInsertOneRow) {
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

TEST_P(NotificationStoreTest, CounterMatchesTheRowsAfterEveryChange) {
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

TEST_P(NotificationStoreTest, VersionsGrowWithEveryChange) {
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
TEST_P(NotificationStoreTest, ReadsDuringChangesAreNeverOlderThanTheirVersion) {
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

TEST_P(NotificationStoreTest, AnotherUsersNotificationIsNotFound) {
  auto created = store_->CreateNotification(New(1, 1));
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(store_->MarkRead(2, created->notification.id, kNow),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->MarkUnread(2, created->notification.id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(CountUnreadRows(1), 1);
}

TEST_P(NotificationStoreTest, ReopeningKeepsRowsAndCounts) {
  ASSERT_THAT(store_->CreateNotification(New(1, 1)), IsOk());
  ASSERT_THAT(store_->CreateNotification(New(1, 2)), IsOk());
  store_.reset();
  auto reopened = NotificationStore::Open(location_);
  ASSERT_THAT(reopened, IsOk());
  auto count = (*reopened)->GetUnreadCount(1);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->count, 2);
}

// Two stores on one database stand for two replicas: concurrent creates and
// read-state changes for the same users keep every counter equal to its
// rows, and a job delivered to both creates one notification.
TEST_P(NotificationStoreTest, TwoReplicasKeepTheCountersExact) {
  if (!postgres()) GTEST_SKIP() << "one SQLite file has one writer process";
  auto other = NotificationStore::Open(location_);
  ASSERT_THAT(other, IsOk());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    NotificationStore* store = t % 2 == 0 ? store_.get() : other->get();
    threads.emplace_back([&, store, t] {
      for (int i = 0; i < 30; ++i) {
        const int64_t user = 1 + i % 2;
        // Threads t and t^1 deliver the same jobs through either replica.
        auto created =
            store->CreateNotification(New(user, 1 + (t / 2) * 100 + i));
        ASSERT_THAT(created, IsOk());
        if (i % 3 == 0) {
          EXPECT_THAT(store->MarkRead(user, created->notification.id, kNow),
                      IsOk());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int64_t user : {1, 2}) {
    auto counted = store_->GetUnreadCount(user);
    ASSERT_THAT(counted, IsOk());
    EXPECT_EQ(counted->count, CountUnreadRows(user)) << user;
  }
  auto all = store_->ListNotifications(1, false, 0, 1000);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->notifications.size(), 30u);  // 2 job ranges x 15 for user 1
}

// A change committed through another replica is announced to this one's
// listener (its own are not), and LoadRemoteChange reads it back with a
// newer version than any this store handed out.
TEST_P(NotificationStoreTest, ChangesOnAnotherReplicaAreAnnouncedHere) {
  absl::Mutex mu;
  std::vector<std::pair<int64_t, int64_t>> heard;
  auto listener = store_->ListenForChanges([&](int64_t user, int64_t id) {
    absl::MutexLock lock(&mu);
    heard.emplace_back(user, id);
  });
  ASSERT_THAT(listener, IsOk());
  if (!postgres()) {
    EXPECT_EQ(*listener, nullptr);  // one process per SQLite file
    return;
  }
  ASSERT_TRUE(
      helpdesk::testing::WaitFor([&] { return (*listener)->listens() >= 1; }));
  auto other = NotificationStore::Open(location_);
  ASSERT_THAT(other, IsOk());

  auto mine = store_->CreateNotification(New(1, 7));
  ASSERT_THAT(mine, IsOk());
  auto theirs = (*other)->CreateNotification(New(1, 8));
  ASSERT_THAT(theirs, IsOk());
  ASSERT_THAT((*other)->MarkAllRead(1, kNow), IsOk());
  ASSERT_TRUE(helpdesk::testing::WaitFor([&] {
    absl::MutexLock lock(&mu);
    return heard.size() >= 2;
  }));
  {
    absl::MutexLock lock(&mu);
    EXPECT_THAT(heard,
                ::testing::ElementsAre(
                    std::pair<int64_t, int64_t>{1, theirs->notification.id},
                    std::pair<int64_t, int64_t>{1, 0}));
  }
  auto loaded = store_->LoadRemoteChange(1, theirs->notification.id);
  ASSERT_THAT(loaded, IsOk());
  ASSERT_TRUE(loaded->notification.has_value());
  EXPECT_EQ(loaded->notification->source_job_id, 8);
  EXPECT_EQ(loaded->unread.count, 0);  // all read through the other
  EXPECT_GT(loaded->unread.version, mine->unread.version);
}

}  // namespace
}  // namespace helpdesk::notification
