#include "services/audit/audit_store.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

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

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = AuditStore::Open(path_);
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

  void Tamper(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(sql);
  }

  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("audit.db");
  std::unique_ptr<AuditStore> store_;
};

TEST_F(AuditStoreTest, RecordingAnExistingKeyReturnsTheStoredEvent) {
  bool created = true;
  NewEvent again = Event(2, 99, "changed", "changed", 99);
  auto stored = store_->Record(again, kT0, &created);
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(created);
  EXPECT_EQ(stored->id, 2);
  EXPECT_EQ(stored->action, "ticket.created");
  EXPECT_EQ(Ids({}).size(), 6u);
}

TEST_F(AuditStoreTest, ListsNewestFirstWithEachFilter) {
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

TEST_F(AuditStoreTest, FiltersCombine) {
  EXPECT_THAT(Ids({.actor_id = 1, .entity_type = "ticket", .entity_id = 10}),
              ::testing::ElementsAre(5, 3));
  EXPECT_THAT(Ids({.actor_id = 3,
                   .action = "ticket.created",
                   .start_time = kT0 + absl::Minutes(3)}),
              ::testing::ElementsAre(4));
}

TEST_F(AuditStoreTest, CursorContinuesStrictlyAfterTheLastEvent) {
  auto first = store_->List({}, std::nullopt, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 2u);
  auto rest = store_->List(
      {}, EventCursor{first->back().create_time, first->back().id}, 10);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->size(), 4u);
  EXPECT_EQ(rest->front().id, 4);
}

TEST_F(AuditStoreTest, EveryFilterReadsAnIndexInOrder) {
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

TEST_F(AuditStoreTest, IntactChainVerifies) {
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked_count, 6);
}

TEST_F(AuditStoreTest, EditedRowBreaksTheChainAtThatRow) {
  Tamper("UPDATE audit_events SET actor_id = 2 WHERE id = 3");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 3);
  EXPECT_THAT(report->problem, HasSubstr("edited"));
}

TEST_F(AuditStoreTest, RehashedEditStillBreaksTheChain) {
  // An editor who also rewrites the row's content hash is caught by the
  // chain hash.
  Tamper("UPDATE audit_events SET content_hash = zeroblob(32) WHERE id = 4");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 4);
}

TEST_F(AuditStoreTest, RemovedRowBreaksTheChainAtTheNextRow) {
  Tamper("DELETE FROM audit_events WHERE id = 2");
  auto report = store_->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_broken_event_id, 3);
  EXPECT_THAT(report->problem, HasSubstr("removed"));
}

// Lists and verifications run on the reader pool while appends commit: each
// sees a whole prefix of the chain (newest first, no gaps) and an intact one.
TEST_F(AuditStoreTest, ReadsDuringAppendsSeeConsistentPrefixes) {
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

TEST_F(AuditStoreTest, ChainSurvivesReopening) {
  store_.reset();
  auto store = AuditStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT((*store)->Record(Event(7, 1, "user.logout", "user", 1), kT0),
              IsOk());
  auto report = (*store)->VerifyChain();
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->checked_count, 7);
}

}  // namespace
}  // namespace helpdesk::audit
