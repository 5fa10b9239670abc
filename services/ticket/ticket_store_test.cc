#include "services/ticket/ticket_store.h"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "services/ticket/ticket_queries.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::tickets::v1::Ticket;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<OutboxItem> NoItems(const TicketRecord&) { return {}; }

// The index each step of a query plan names ("SEARCH tickets USING INDEX
// tickets_by_status (status=? AND rowid<?)" → "tickets_by_status"), in
// order; a step without one adds nothing.
std::vector<std::string> IndexesOf(absl::string_view plan) {
  std::vector<std::string> indexes;
  for (absl::string_view step : absl::StrSplit(plan, '\n')) {
    for (absl::string_view marker : {"USING INDEX ", "USING COVERING INDEX "}) {
      const size_t at = step.find(marker);
      if (at == absl::string_view::npos) continue;
      absl::string_view rest = step.substr(at + marker.size());
      indexes.emplace_back(rest.substr(0, rest.find(' ')));
    }
  }
  return indexes;
}

class TicketStoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    location_ = NewLocation("tickets");
    location_.readers = 2;
    auto store = TicketStore::Open(location_, &clock_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  TicketRecord Create(const std::string& title, int64_t requester_id = 3) {
    TicketRecord ticket;
    ticket.requester_id = requester_id;
    ticket.title = title;
    ticket.body = "It jams on page two";
    auto created = store_->Create(ticket, NoItems);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : TicketRecord{};
  }

  // SQLite's plan for List(filter), with a failure when there is none.
  std::string Plan(const TicketFilter& filter) {
    if (postgres()) {
      ADD_FAILURE() << "query plans are SQLite's";
      return "";
    }
    absl::StatusOr<std::string> plan = store_->ExplainList(filter);
    EXPECT_THAT(plan, IsOk());
    return plan.ok() ? *plan : "";
  }

  std::vector<std::string> Titles(const TicketFilter& filter) {
    auto tickets = store_->List(filter, /*before_id=*/0, /*limit=*/100);
    EXPECT_THAT(tickets, IsOk());
    std::vector<std::string> titles;
    if (tickets.ok()) {
      for (const TicketRecord& ticket : *tickets)
        titles.push_back(ticket.title);
    }
    return titles;
  }

  static TicketFilter Search(absl::string_view query) {
    TicketFilter filter;
    SetSearch(filter, query);
    return filter;
  }

  db::Location location_;
  ManualClock clock_;
  std::unique_ptr<TicketStore> store_;
};
HELPDESK_INSTANTIATE_ENGINES(TicketStoreTest);

// The index tests are SQLite's (INDEXED BY, EXPLAIN QUERY PLAN).
class TicketPlanTest : public TicketStoreTest {
 protected:
  void SetUp() override {
    if (postgres()) GTEST_SKIP() << "SQLite's query plans";
    TicketStoreTest::SetUp();
  }
};
HELPDESK_INSTANTIATE_ENGINES(TicketPlanTest);

// Each listing filter walks its own index in id order (pinned with INDEXED
// BY in ticket_queries.cc), so no listing sorts its matches.

TEST_P(TicketPlanTest, RequesterListingUsesTheRequesterIndex) {
  const std::string plan = Plan({.requester_id = 3});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_requester")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, RequesterAndStatusListingUsesTheirJointIndex) {
  const std::string plan = Plan({.requester_id = 3, .status = Ticket::OPEN});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_requester_status"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, AssigneeListingUsesTheAssigneeIndex) {
  const std::string plan = Plan({.assignee_id = 1});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, UnassignedListingUsesTheAssigneeIndex) {
  const std::string plan = Plan({.assignee_id = 0});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, AssigneeAndStatusListingUsesTheirJointIndex) {
  const std::string plan = Plan({.status = Ticket::OPEN, .assignee_id = 1});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee_status"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, StatusListingUsesTheStatusIndex) {
  const std::string plan = Plan({.status = Ticket::IN_PROGRESS});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_status")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, UnfilteredListingWalksTheTableByRowid) {
  const std::string plan = Plan({});
  EXPECT_THAT(IndexesOf(plan), IsEmpty()) << plan;
  EXPECT_THAT(plan, HasSubstr("SEARCH tickets USING INTEGER PRIMARY KEY"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketPlanTest, SearchWalksTheFullTextIndexAndLooksUpEachMatch) {
  const std::string plan =
      Plan({.requester_id = 3, .match = SearchExpression("printer")});
  EXPECT_THAT(plan, HasSubstr("SCAN f VIRTUAL TABLE INDEX")) << plan;
  EXPECT_THAT(plan, HasSubstr("SEARCH t USING INTEGER PRIMARY KEY")) << plan;
  EXPECT_THAT(IndexesOf(plan), IsEmpty()) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_P(TicketStoreTest, ListIsNewestFirst) {
  Create("first");
  clock_.Advance(absl::Minutes(1));
  Create("second");
  clock_.Advance(absl::Minutes(1));
  Create("third");

  EXPECT_THAT(Titles({}), ElementsAre("third", "second", "first"));
  EXPECT_THAT(Titles({.requester_id = 3}),
              ElementsAre("third", "second", "first"));
}

TEST_P(TicketStoreTest, UpdateBumpsVersionAndStampsTheChangeTime) {
  const TicketRecord created = Create("Printer is broken");
  ASSERT_EQ(created.version, 1);
  clock_.Advance(absl::Minutes(5));

  auto updated =
      store_->Update(created.id,
                     [](TicketRecord& ticket,
                        absl::Time) -> absl::StatusOr<std::vector<OutboxItem>> {
                       ticket.status = Ticket::IN_PROGRESS;
                       return std::vector<OutboxItem>{};
                     });
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->update_time, clock_.Now());
  EXPECT_EQ(updated->create_time, created.create_time);

  auto stored = store_->Get(created.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->status, Ticket::IN_PROGRESS);
}

TEST_P(TicketStoreTest, UpdateThatChangesNothingKeepsTheVersion) {
  const TicketRecord created = Create("Printer is broken");
  clock_.Advance(absl::Minutes(5));

  auto updated = store_->Update(
      created.id,
      [](TicketRecord&, absl::Time) -> absl::StatusOr<std::vector<OutboxItem>> {
        return std::vector<OutboxItem>{};
      });
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->version, 1);
  EXPECT_EQ(updated->update_time, created.update_time);
}

TEST_P(TicketStoreTest, MissingTicketIsNotFound) {
  EXPECT_THAT(store_->Get(42), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      store_->Update(42,
                     [](TicketRecord&,
                        absl::Time) -> absl::StatusOr<std::vector<OutboxItem>> {
                       ADD_FAILURE() << "no ticket to mutate";
                       return std::vector<OutboxItem>{};
                     }),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->CreateNote(
                  NoteRecord{.ticket_id = 42, .author_id = 1, .body = "hi"},
                  [](const NoteRecord&) { return std::vector<OutboxItem>{}; }),
              StatusIs(absl::StatusCode::kNotFound));
}

// Search means the same on both engines: every term a word prefix, all
// terms required, case and diacritics ignored, and operators of either
// engine's query language, quotes and SQL only ever searched for.
TEST_P(TicketStoreTest, SearchMatchesWordPrefixesOnBothEngines) {
  Create("Printer jams on floor three");
  clock_.Advance(absl::Minutes(1));
  Create("Café Wi-Fi is slow");
  clock_.Advance(absl::Minutes(1));
  Create("VPN drops; printer fine");
  EXPECT_THAT(
      Titles(Search("print")),
      ElementsAre("VPN drops; printer fine", "Printer jams on floor three"));
  EXPECT_THAT(Titles(Search("PRINTER flo")),
              ElementsAre("Printer jams on floor three"));
  EXPECT_THAT(Titles(Search("cafe")), ElementsAre("Café Wi-Fi is slow"));
  EXPECT_THAT(Titles(Search("wi-fi")), ElementsAre("Café Wi-Fi is slow"));
  EXPECT_THAT(Titles(Search("printer nothere")), IsEmpty());
  auto counted = store_->Count(Search("printer"));
  ASSERT_THAT(counted, IsOk());
  EXPECT_EQ(*counted, 2);
}

TEST_P(TicketStoreTest, QueryMetacharactersAreText) {
  Create("Printer jams");
  for (const char* query : {"'",
                            "''",
                            "\"",
                            "&",
                            "|",
                            "!",
                            ":*",
                            "printer:*",
                            "(",
                            ")",
                            "\\",
                            "%",
                            "_",
                            "--",
                            ";DROP TABLE tickets;",
                            "' OR 1=1 --",
                            "printer & !jams",
                            "a <-> b",
                            "NEAR(printer)",
                            "printer*",
                            "^jams",
                            "title:printer",
                            "printer)|(jams",
                            "'printer':*"}) {
    TicketFilter filter = Search(query);
    auto tickets = store_->List(filter, 0, 10);
    ASSERT_THAT(tickets, IsOk()) << query;
    ASSERT_THAT(store_->Count(filter), IsOk()) << query;
  }
  // The table is still there, and words next to operators still match.
  EXPECT_THAT(Titles(Search("printer:*")), ElementsAre("Printer jams"));
  EXPECT_THAT(Titles(Search("(printer)")), ElementsAre("Printer jams"));
  EXPECT_THAT(Titles(Search("'printer'")), ElementsAre("Printer jams"));
  EXPECT_THAT(Titles(Search("!jams")), ElementsAre("Printer jams"));
}

TEST_P(TicketStoreTest, EditedTextIsSearchedAsEdited) {
  const TicketRecord created = Create("Printer is broken");
  ASSERT_THAT(
      store_->Update(created.id,
                     [](TicketRecord& ticket,
                        absl::Time) -> absl::StatusOr<std::vector<OutboxItem>> {
                       ticket.title = "Scanner is broken";
                       return std::vector<OutboxItem>{};
                     }),
      IsOk());
  EXPECT_THAT(Titles(Search("printer")), IsEmpty());
  EXPECT_THAT(Titles(Search("scan")), ElementsAre("Scanner is broken"));
}

// Two stores on one database stand for two ticket replicas: concurrent
// updates of one ticket through both lose no change, and the maintained
// counters stay equal to the rows.
TEST_P(TicketStoreTest, TwoReplicasUpdatingOneTicketLoseNoChange) {
  if (!postgres()) GTEST_SKIP() << "one SQLite file has one writer process";
  auto other = TicketStore::Open(location_, &clock_);
  ASSERT_THAT(other, IsOk());
  const TicketRecord created = Create("n=0");
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    TicketStore* store = t % 2 == 0 ? store_.get() : other->get();
    threads.emplace_back([&, store, t] {
      for (int i = 0; i < kEach; ++i) {
        auto updated = store->Update(
            created.id,
            [&](TicketRecord& ticket,
                absl::Time) -> absl::StatusOr<std::vector<OutboxItem>> {
              int n = 0;
              EXPECT_TRUE(absl::SimpleAtoi(ticket.title.substr(2), &n));
              ticket.title = absl::StrCat("n=", n + 1);
              // Moves the ticket between statuses and assignees, so the
              // counters change with every update.
              ticket.status =
                  (n + t) % 2 == 0 ? Ticket::IN_PROGRESS : Ticket::OPEN;
              ticket.assignee_id = (n + t) % 3;
              return std::vector<OutboxItem>{};
            });
        EXPECT_THAT(updated, IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto stored = store_->Get(created.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->title, absl::StrCat("n=", 4 * kEach));
  EXPECT_EQ(stored->version, 1 + 4 * kEach);
  // Exactly one ticket in the counters, in its current place.
  auto total = store_->Count({});
  ASSERT_THAT(total, IsOk());
  EXPECT_EQ(*total, 1);
  auto here = store_->Count({.requester_id = 3,
                             .status = stored->status,
                             .assignee_id = stored->assignee_id});
  ASSERT_THAT(here, IsOk());
  EXPECT_EQ(*here, 1);
}

}  // namespace
}  // namespace helpdesk::ticket
