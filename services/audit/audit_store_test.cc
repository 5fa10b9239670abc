#include "services/audit/audit_store.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "services/audit/migrations.h"

namespace helpdesk::audit {
namespace {

using ::helpdesk::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

NewEvent Event(int n, int64_t actor, const std::string& action,
               const std::string& type, int64_t entity) {
  NewEvent event;
  event.event_key = absl::StrCat("key-", n);
  event.actor_id = actor;
  event.action = action;
  event.entity_type = type;
  event.entity_id = entity;
  event.create_time = kT0 + absl::Minutes(n);
  return event;
}

class AuditStoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    location_ = NewLocation("audit");
    auto store = AuditStore::Open(location_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    // 1..6: a small mixed history.
    Add(Event(1, 1, "user.login", "user", 1));
    Add(Event(2, 3, "ticket.created", "ticket", 10));
    Add(Event(3, 1, "ticket.assigned", "ticket", 10));
    Add(Event(4, 3, "ticket.created", "ticket", 11));
    Add(Event(5, 1, "ticket.status_changed", "ticket", 10));
    Add(Event(6, 2, "user.login", "user", 2));
  }

  void Add(const NewEvent& event) {
    ASSERT_THAT(store_->Record(event, kT0), IsOk());
  }

  std::vector<int64_t> Ids(const EventFilter& filter) {
    auto events = store_->List(filter, std::nullopt, 100);
    EXPECT_THAT(events, IsOk());
    std::vector<int64_t> ids;
    if (events.ok()) {
      for (const auto& event : *events) ids.push_back(event.id);
    }
    return ids;
  }

  // Changes the table behind the store's back, as an intruder with write
  // access to the database would.
  void Tamper(const std::string& sql) {
    db::StoreOptions options;
    options.location = location_;
    options.migrations = AuditMigrations();
    options.postgres_migrations = AuditPostgresMigrations();
    auto intruder = db::Store::Open(options);
    ASSERT_THAT(intruder, IsOk());
    ASSERT_THAT((*intruder)->Write(
                    [&](db::Connection& db) { return db.ExecuteScript(sql); }),
                IsOk());
  }

  db::Location location_;
  std::unique_ptr<AuditStore> store_;
};
HELPDESK_INSTANTIATE_ENGINES(AuditStoreTest);

TEST_P(AuditStoreTest, RecordingAnExistingKeyReturnsTheStoredEvent) {
  bool created = true;
  NewEvent again = Event(2, 99, "changed", "changed", 99);
  auto stored = store_->Record(again, kT0, &created);
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(created);
  EXPECT_EQ(stored->id, 2);
  EXPECT_EQ(stored->action, "ticket.created");
  EXPECT_EQ(Ids({}).size(), 6u);
}

TEST_P(AuditStoreTest, ListsNewestFirstWithEachFilter) {
  EXPECT_THAT(Ids({}), ::testing::ElementsAre(6, 5, 4, 3, 2, 1));
  EXPECT_THAT(Ids({.actor_id = 1}), ::testing::ElementsAre(5, 3, 1));
  EXPECT_THAT(Ids({.action = "ticket.created"}), ::testing::ElementsAre(4, 2));
  EXPECT_THAT(Ids({.entity_type = "user"}), ::testing::ElementsAre(6, 1));
  EXPECT_THAT(Ids({.entity_type = "ticket", .entity_id = 10}),
              ::testing::ElementsAre(5, 3, 2));
  EXPECT_THAT(Ids({.start_time = kT0 + absl::Minutes(2),
                   .end_time = kT0 + absl::Minutes(4)}),
              ::testing::ElementsAre(3, 2));
}

TEST_P(AuditStoreTest, FiltersCombine) {
  EXPECT_THAT(Ids({.actor_id = 1, .entity_type = "ticket", .entity_id = 10}),
              ::testing::ElementsAre(5, 3));
  EXPECT_THAT(Ids({.actor_id = 3,
                   .action = "ticket.created",
                   .start_time = kT0 + absl::Minutes(3)}),
              ::testing::ElementsAre(4));
}

TEST_P(AuditStoreTest, CursorContinuesStrictlyAfterTheLastEvent) {
  auto first = store_->List({}, std::nullopt, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 2u);
  auto rest = store_->List(
      {}, EventCursor{first->back().create_time, first->back().id}, 10);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->size(), 4u);
  EXPECT_EQ(rest->front().id, 4);
}

TEST_P(AuditStoreTest, EveryFilterReadsAnIndexInOrder) {
  if (postgres()) GTEST_SKIP() << "SQLite's query plans";
  const std::vector<std::pair<EventFilter, std::string>> cases = {
      {{}, "audit_by_time"},
      {{.actor_id = 1}, "audit_by_actor"},
      {{.action = "user.login"}, "audit_by_action"},
      {{.entity_type = "user"}, "audit_by_entity_type"},
      {{.entity_type = "ticket", .entity_id = 10}, "audit_by_entity"},
      {{.start_time = kT0, .end_time = kT0 + absl::Hours(1)}, "audit_by_time"},
      {{.actor_id = 1, .action = "user.login"}, "audit_by_actor"},
      {{.actor_id = 1, .entity_type = "ticket", .entity_id = 3},
       "audit_by_entity"},
  };
  for (const auto& [filter, index] : cases) {
    auto plan = store_->ExplainList(filter);
    ASSERT_THAT(plan, IsOk());
    EXPECT_THAT(*plan, HasSubstr(index)) << *plan;
    EXPECT_THAT(*plan, Not(HasSubstr("TEMP B-TREE"))) << *plan;
  }
}

TEST_P(AuditStoreTest, IntactChainVerifies) {
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked_count, 6);
}

TEST_P(AuditStoreTest, EditedRowBreaksTheChainAtThatRow) {
  Tamper("UPDATE audit_events SET actor_id = 2 WHERE id = 3");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 3);
  EXPECT_THAT(report->problem, HasSubstr("edited"));
}

TEST_P(AuditStoreTest, RehashedEditStillBreaksTheChain) {
  // An editor who also rewrites the row's content hash is caught by the
  // chain hash.
  Tamper(postgres() ? "UPDATE audit_events SET content_hash = "
                      "decode(repeat('00', 32), 'hex') WHERE id = 4"
                    : "UPDATE audit_events SET content_hash = zeroblob(32) "
                      "WHERE id = 4");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 4);
}

TEST_P(AuditStoreTest, RemovedRowBreaksTheChainAtTheNextRow) {
  Tamper("DELETE FROM audit_events WHERE id = 2");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 3);
  EXPECT_THAT(report->problem, HasSubstr("removed"));
}

// Lists and verifications run on the reader pool while appends commit: each
// sees a whole prefix of the chain (newest first, no gaps) and an intact one.
TEST_P(AuditStoreTest, ReadsDuringAppendsSeeConsistentPrefixes) {
  constexpr int kAppends = 100;
  std::thread appender([&] {
    for (int n = 7; n < 7 + kAppends; ++n) {
      ASSERT_THAT(store_->Record(Event(n, 1, "user.login", "user", 1), kT0),
                  IsOk());
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        auto events = store_->List(EventFilter{}, std::nullopt, 1000);
        ASSERT_THAT(events, IsOk());
        ASSERT_FALSE(events->empty());
        for (size_t k = 0; k < events->size(); ++k) {
          EXPECT_EQ((*events)[k].id, (*events)[0].id - static_cast<int64_t>(k));
        }
        auto report = store_->VerifyChain();
        ASSERT_THAT(report, IsOk());
        EXPECT_TRUE(report->ok) << report->problem;
        EXPECT_GE(report->checked_count, 6);
      }
    });
  }
  appender.join();
  for (auto& reader : readers) reader.join();
  auto events = store_->List(EventFilter{}, std::nullopt, 1000);
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->size(), 6u + kAppends);
}

TEST_P(AuditStoreTest, ChainSurvivesReopening) {
  store_.reset();
  auto store = AuditStore::Open(location_);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT((*store)->Record(Event(7, 1, "user.logout", "user", 1), kT0),
              IsOk());
  auto report = (*store)->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked_count, 7);
}

// Two stores on one database stand for two replicas: their appends,
// concurrent and from several threads each, extend one linear chain, and a
// key both record at once is stored once.
TEST_P(AuditStoreTest, TwoReplicasAppendOneChain) {
  if (!postgres()) GTEST_SKIP() << "one SQLite file has one writer process";
  auto other = AuditStore::Open(location_);
  ASSERT_THAT(other, IsOk());
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuditStore* store = t % 2 == 0 ? store_.get() : other->get();
    threads.emplace_back([&, store, t] {
      for (int i = 0; i < kEach; ++i) {
        // Threads 0 and 1 (one per replica) record the same keys, and so
        // do 2 and 3: each key is stored once.
        const int n = 100 + (t / 2) * 1000 + i;
        EXPECT_THAT(store->Record(Event(n, t, "user.login", "user", 1), kT0),
                    IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto events = store_->List(EventFilter{}, std::nullopt, 1000);
  ASSERT_THAT(events, IsOk());
  // 6 from SetUp, then two distinct key sets of kEach each.
  EXPECT_EQ(events->size(), 6u + 2 * kEach);
  auto report = (*other)->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->checked_count, 6 + 2 * kEach);
}

}  // namespace
}  // namespace helpdesk::audit
