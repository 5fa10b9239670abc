// Integrity under concurrency and abuse (issue #16): concurrent owner and
// admin updates lose nothing and audit only what each actor did, etags,
// audit order under concurrent assignment, and replies bounded in size
// however long a ticket's history or a page's bodies grow.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::audit::v1::AuditEvent;
using ::helpdesk::audit::v1::AuditService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;
using ::testing::ElementsAre;
using ::testing::SizeIs;

class TicketIntegrityTest : public helpdesk::testing::ClusterTest {
 protected:
  TicketIntegrityTest() : ClusterTest({kAuth, kAudit, kTicket}) {
    cluster_options_.ticket.service.rate_limits = false;
  }

  void SetUp() override {
    ClusterTest::SetUp();
    stub_ = TicketService::NewStub(channel());
    audit_stub_ = AuditService::NewStub(channel());
    owner_ = Login("usera@example.com").token;
    admin_ = Login("admina@example.com").token;
    other_admin_ = Login("adminb@example.com").token;
  }

  absl::StatusOr<Ticket> Create(const std::string& body = "It jams") {
    grpc::ClientContext context;
    Authorize(context, owner_);
    tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Printer broken");
    request.mutable_ticket()->set_body(body);
    Ticket ticket;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->CreateTicket(&context, request, &ticket));
    if (!status.ok()) return status;
    return ticket;
  }

  absl::StatusOr<Ticket> Update(const std::string& token, const Ticket& patch,
                                const std::vector<std::string>& paths) {
    grpc::ClientContext context;
    Authorize(context, token);
    tickets::v1::UpdateTicketRequest request;
    *request.mutable_ticket() = patch;
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    Ticket response;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->UpdateTicket(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<Ticket> Get(int64_t id, bool full = false) {
    grpc::ClientContext context;
    Authorize(context, admin_);
    tickets::v1::GetTicketRequest request;
    request.set_id(id);
    if (full) request.set_view(tickets::v1::TICKET_VIEW_FULL);
    Ticket ticket;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->GetTicket(&context, request, &ticket));
    if (!status.ok()) return status;
    return ticket;
  }

  absl::StatusOr<audit::v1::ListAuditEventsResponse> AuditPage(
      audit::v1::ListAuditEventsRequest request) {
    grpc::ClientContext context;
    Authorize(context, admin_);
    audit::v1::ListAuditEventsResponse response;
    absl::Status status = rpc::FromGrpcStatus(
        audit_stub_->ListAuditEvents(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // Every audit event of a ticket, oldest first (every page).
  std::vector<AuditEvent> TicketHistory(int64_t id) {
    audit::v1::ListAuditEventsRequest request;
    request.set_entity_type("ticket");
    request.set_entity_id(id);
    request.set_page_size(1000);
    std::vector<AuditEvent> events;
    do {
      auto page = AuditPage(request);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      for (const AuditEvent& event : page->audit_events()) {
        events.push_back(event);
      }
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    return {events.rbegin(), events.rend()};
  }

  int64_t UserId(const std::string& email) {
    auto stub = auth::v1::AuthService::NewStub(channel());
    grpc::ClientContext context;
    Authorize(context, Login(email).token);
    auth::v1::User user;
    EXPECT_TRUE(stub->GetCurrentUser(&context, {}, &user).ok());
    return user.id();
  }

  std::unique_ptr<TicketService::Stub> stub_;
  std::unique_ptr<AuditService::Stub> audit_stub_;
  std::string owner_, admin_, other_admin_;
};

TEST_F(TicketIntegrityTest, ConcurrentOwnerAndAdminUpdatesLoseNothing) {
  constexpr int kPairs = 200;
  std::vector<Ticket> tickets;
  for (int i = 0; i < kPairs; ++i) {
    auto ticket = Create();
    ASSERT_THAT(ticket, IsOk());
    tickets.push_back(*ticket);
  }
  const int64_t owner_id = tickets[0].requester_id();
  const int64_t admin_id = UserId("admina@example.com");
  // Pairs race in waves of 16: the owner renames, an admin sets the status,
  // both at once on the same ticket.
  std::atomic<int> failures = 0;
  for (int wave = 0; wave < kPairs; wave += 16) {
    absl::Barrier start(2 * std::min(16, kPairs - wave));
    std::vector<std::thread> threads;
    for (int i = wave; i < std::min(wave + 16, kPairs); ++i) {
      threads.emplace_back([&, i] {
        Ticket patch;
        patch.set_id(tickets[i].id());
        patch.set_title(absl::StrCat("Renamed ", i));
        start.Block();
        if (!Update(owner_, patch, {"title"}).ok()) ++failures;
      });
      threads.emplace_back([&, i] {
        Ticket patch;
        patch.set_id(tickets[i].id());
        patch.set_status(Ticket::IN_PROGRESS);
        start.Block();
        if (!Update(admin_, patch, {"status"}).ok()) ++failures;
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  DeliverOutboxes();

  for (int i = 0; i < kPairs; ++i) {
    auto now = Get(tickets[i].id());
    ASSERT_THAT(now, IsOk());
    EXPECT_EQ(now->title(), absl::StrCat("Renamed ", i)) << "ticket " << i;
    EXPECT_EQ(now->status(), Ticket::IN_PROGRESS) << "ticket " << i;
    // Each event records exactly its own actor's change.
    std::vector<std::string> actions;
    for (const AuditEvent& event : TicketHistory(tickets[i].id())) {
      actions.push_back(event.action());
      std::set<std::string> keys;
      for (const auto& [key, value] : event.after().fields()) keys.insert(key);
      if (event.action() == "ticket.edited") {
        EXPECT_EQ(event.actor_id(), owner_id);
        EXPECT_THAT(keys, ElementsAre("title"));
      } else if (event.action() == "ticket.status_changed") {
        EXPECT_EQ(event.actor_id(), admin_id);
        EXPECT_THAT(keys, ElementsAre("status"));
      }
    }
    std::sort(actions.begin() + 1, actions.end());
    EXPECT_THAT(actions, ElementsAre("ticket.created", "ticket.edited",
                                     "ticket.status_changed"))
        << "ticket " << i;
  }
}

TEST_F(TicketIntegrityTest, StaleEtagIsAbortedAndChangesNothing) {
  auto ticket = Create();
  ASSERT_THAT(ticket, IsOk());
  ASSERT_FALSE(ticket->etag().empty());
  Ticket patch;
  patch.set_id(ticket->id());
  patch.set_etag(ticket->etag());
  patch.set_title("First rename");
  auto renamed = Update(owner_, patch, {"title"});
  ASSERT_THAT(renamed, IsOk());
  EXPECT_NE(renamed->etag(), ticket->etag());

  // The same (now stale) etag again: refused, nothing written.
  patch.set_title("Lost rename");
  EXPECT_THAT(Update(owner_, patch, {"title"}),
              StatusIs(absl::StatusCode::kAborted));
  auto now = Get(ticket->id());
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->title(), "First rename");
  EXPECT_EQ(now->etag(), renamed->etag());

  // Without a mask the etag in the body is a precondition, not a field.
  patch.set_etag(renamed->etag());
  patch.set_title("Second rename");
  EXPECT_THAT(Update(owner_, patch, {}), IsOk());
}

TEST_F(TicketIntegrityTest, OfTwoConcurrentUpdatesWithOneEtagOneWins) {
  for (int round = 0; round < 20; ++round) {
    auto ticket = Create();
    ASSERT_THAT(ticket, IsOk());
    std::atomic<int> ok = 0;
    std::atomic<int> aborted = 0;
    absl::Barrier start(2);
    std::vector<std::thread> admins;
    for (const std::string* token : {&admin_, &other_admin_}) {
      admins.emplace_back([&, token] {
        Ticket patch;
        patch.set_id(ticket->id());
        patch.set_etag(ticket->etag());
        patch.set_status(token == &admin_ ? Ticket::IN_PROGRESS
                                          : Ticket::RESOLVED);
        start.Block();
        absl::Status status = Update(*token, patch, {"status"}).status();
        if (status.ok()) ++ok;
        if (absl::IsAborted(status)) ++aborted;
      });
    }
    for (std::thread& thread : admins) thread.join();
    EXPECT_EQ(ok.load(), 1) << "round " << round;
    EXPECT_EQ(aborted.load(), 1) << "round " << round;
  }
}

TEST_F(TicketIntegrityTest, ConcurrentAssignmentsKeepTheAuditChainInOrder) {
  auto ticket = Create();
  ASSERT_THAT(ticket, IsOk());
  const int64_t admins[] = {UserId("admina@example.com"),
                            UserId("adminb@example.com"), 0};
  absl::Barrier start(12);
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      Authorize(context, i % 2 == 0 ? admin_ : other_admin_);
      tickets::v1::AssignTicketRequest request;
      request.set_id(ticket->id());
      request.set_assignee_id(admins[i % 3]);
      Ticket response;
      start.Block();
      EXPECT_TRUE(stub_->AssignTicket(&context, request, &response).ok());
    });
  }
  for (std::thread& thread : threads) thread.join();
  DeliverOutboxes();
  // Listed by (time, id), each event's before is the previous one's after.
  std::string assignee = "0";
  int changes = 0;
  for (const AuditEvent& event : TicketHistory(ticket->id())) {
    if (event.action() == "ticket.created") continue;
    ++changes;
    EXPECT_EQ(event.before().fields().at("assigneeId").string_value(), assignee)
        << event.action() << " #" << event.id();
    assignee = event.after().fields().at("assigneeId").string_value();
  }
  EXPECT_GT(changes, 0);
  auto now = Get(ticket->id());
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(absl::StrCat(now->assignee_id()), assignee);
}

TEST_F(TicketIntegrityTest, LongHistoryOfLongBodiesStaysReadable) {
  auto ticket = Create();
  ASSERT_THAT(ticket, IsOk());
  // 110 edits of 20 000-character bodies (the issue's "history bomb").
  const std::string word(999, 'x');
  for (int i = 0; i < 110; ++i) {
    std::string body;
    for (int w = 0; w < 20; ++w) absl::StrAppend(&body, w ? " " : "", word);
    body[0] = static_cast<char>('a' + i % 26);
    body[1] = static_cast<char>('a' + i / 26);
    Ticket patch;
    patch.set_id(ticket->id());
    patch.set_body(body);
    ASSERT_THAT(Update(owner_, patch, {"body"}), IsOk()) << i;
  }
  DeliverOutboxes();

  auto full = Get(ticket->id(), /*full=*/true);
  ASSERT_THAT(full, IsOk());
  EXPECT_THAT(full->history(), SizeIs(50));
  EXPECT_FALSE(full->history_next_page_token().empty());
  EXPECT_LT(full->ByteSizeLong(), 1u << 20);
  for (const AuditEvent& event : full->history()) {
    ASSERT_EQ(event.action(), "ticket.edited");
    const auto& after = event.after().fields();
    EXPECT_LE(after.at("body").string_value().size(), 1100u);
    EXPECT_EQ(after.at("bodyLength").number_value(), 20 * 999 + 19);
    EXPECT_EQ(after.at("bodySha256").string_value().size(), 64u);
  }
  // The token goes on with the older events down to the creation.
  audit::v1::ListAuditEventsRequest older;
  older.set_entity_type("ticket");
  older.set_entity_id(ticket->id());
  older.set_page_token(full->history_next_page_token());
  std::vector<std::string> actions;
  do {
    auto page = AuditPage(older);
    ASSERT_THAT(page, IsOk());
    for (const AuditEvent& event : page->audit_events()) {
      actions.push_back(event.action());
    }
    older.set_page_token(page->next_page_token());
  } while (!older.page_token().empty());
  ASSERT_THAT(actions, SizeIs(61));
  EXPECT_EQ(actions.back(), "ticket.created");
}

TEST_F(TicketIntegrityTest, PagesOfLargeTicketsAreBoundedByBytes) {
  std::string body;
  for (int w = 0; w < 20; ++w) absl::StrAppend(&body, w ? " " : "", "y", w);
  body.resize(20'000, 'z');
  constexpr int kTickets = 300;
  for (int i = 0; i < kTickets; ++i) ASSERT_THAT(Create(body), IsOk());
  tickets::v1::ListTicketsRequest request;
  request.set_page_size(210);
  std::set<int64_t> seen;
  int pages = 0;
  do {
    grpc::ClientContext context;
    Authorize(context, admin_);
    tickets::v1::ListTicketsResponse page;
    ASSERT_TRUE(stub_->ListTickets(&context, request, &page).ok());
    EXPECT_LT(page.ByteSizeLong(), 2u << 20);
    EXPECT_GT(page.tickets_size(), 0);
    EXPECT_EQ(page.total_size(), kTickets);
    for (const Ticket& ticket : page.tickets()) {
      EXPECT_TRUE(seen.insert(ticket.id()).second) << "twice: " << ticket.id();
    }
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kTickets));
  EXPECT_GT(pages, 2);  // 210 of 20 KB would be 4 MB: split by bytes
}

TEST_F(TicketIntegrityTest, NewestFirstHoldsWhenTheClockStepsBack) {
  auto first = Create();
  ASSERT_THAT(first, IsOk());
  clock_.Advance(-absl::Hours(1));  // e.g. an NTP correction
  auto second = Create();
  ASSERT_THAT(second, IsOk());
  EXPECT_GE(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                second->create_time()),
            google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                first->create_time()));
  grpc::ClientContext context;
  Authorize(context, admin_);
  tickets::v1::ListTicketsResponse page;
  ASSERT_TRUE(stub_->ListTickets(&context, {}, &page).ok());
  ASSERT_EQ(page.tickets_size(), 2);
  EXPECT_EQ(page.tickets(0).id(), second->id());
  EXPECT_EQ(page.tickets(1).id(), first->id());
}

class TicketEditLimitTest : public helpdesk::testing::ClusterTest {
 protected:
  TicketEditLimitTest() : ClusterTest({kAuth, kAudit, kTicket}) {}
};

TEST_F(TicketEditLimitTest, EditsAreRateLimitedPerUser) {
  auto stub = TicketService::NewStub(channel());
  const std::string owner = Login("usera@example.com").token;
  grpc::ClientContext create_context;
  Authorize(create_context, owner);
  tickets::v1::CreateTicketRequest create;
  create.mutable_ticket()->set_title("Printer broken");
  create.mutable_ticket()->set_body("It jams");
  Ticket ticket;
  ASSERT_TRUE(stub->CreateTicket(&create_context, create, &ticket).ok());
  absl::Status status;
  int edits = 0;
  for (; edits < 100; ++edits) {
    grpc::ClientContext context;
    Authorize(context, owner);
    tickets::v1::UpdateTicketRequest request;
    request.mutable_ticket()->set_id(ticket.id());
    request.mutable_ticket()->set_body(absl::StrCat("Edit ", edits));
    request.mutable_update_mask()->add_paths("body");
    Ticket response;
    status =
        rpc::FromGrpcStatus(stub->UpdateTicket(&context, request, &response));
    if (!status.ok()) break;
  }
  EXPECT_EQ(edits, 30);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace helpdesk::ticket
