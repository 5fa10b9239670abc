#include "services/ticket/ticket_store.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
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

class TicketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = TicketStore::Open(dir_.File("tickets.db"), &clock_,
                                   /*readers=*/2);
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

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<TicketStore> store_;
};

// Each listing filter walks its own index in id order (pinned with INDEXED
// BY in ticket_queries.cc), so no listing sorts its matches.

TEST_F(TicketStoreTest, RequesterListingUsesTheRequesterIndex) {
  const std::string plan = Plan({.requester_id = 3});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_requester")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, RequesterAndStatusListingUsesTheirJointIndex) {
  const std::string plan = Plan({.requester_id = 3, .status = Ticket::OPEN});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_requester_status"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, AssigneeListingUsesTheAssigneeIndex) {
  const std::string plan = Plan({.assignee_id = 1});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, UnassignedListingUsesTheAssigneeIndex) {
  const std::string plan = Plan({.assignee_id = 0});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, AssigneeAndStatusListingUsesTheirJointIndex) {
  const std::string plan = Plan({.status = Ticket::OPEN, .assignee_id = 1});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_assignee_status"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, StatusListingUsesTheStatusIndex) {
  const std::string plan = Plan({.status = Ticket::IN_PROGRESS});
  EXPECT_THAT(IndexesOf(plan), ElementsAre("tickets_by_status")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, UnfilteredListingWalksTheTableByRowid) {
  const std::string plan = Plan({});
  EXPECT_THAT(IndexesOf(plan), IsEmpty()) << plan;
  EXPECT_THAT(plan, HasSubstr("SEARCH tickets USING INTEGER PRIMARY KEY"))
      << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, SearchWalksTheFullTextIndexAndLooksUpEachMatch) {
  const std::string plan =
      Plan({.requester_id = 3, .match = SearchExpression("printer")});
  EXPECT_THAT(plan, HasSubstr("SCAN f VIRTUAL TABLE INDEX")) << plan;
  EXPECT_THAT(plan, HasSubstr("SEARCH t USING INTEGER PRIMARY KEY")) << plan;
  EXPECT_THAT(IndexesOf(plan), IsEmpty()) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << plan;
}

TEST_F(TicketStoreTest, ListIsNewestFirst) {
  Create("first");
  clock_.Advance(absl::Minutes(1));
  Create("second");
  clock_.Advance(absl::Minutes(1));
  Create("third");

  EXPECT_THAT(Titles({}), ElementsAre("third", "second", "first"));
  EXPECT_THAT(Titles({.requester_id = 3}),
              ElementsAre("third", "second", "first"));
}

TEST_F(TicketStoreTest, UpdateBumpsVersionAndStampsTheChangeTime) {
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

TEST_F(TicketStoreTest, UpdateThatChangesNothingKeepsTheVersion) {
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

TEST_F(TicketStoreTest, MissingTicketIsNotFound) {
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

}  // namespace
}  // namespace helpdesk::ticket
