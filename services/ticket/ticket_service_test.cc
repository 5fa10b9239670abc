#include "services/ticket/ticket_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Words(int count) {
  std::vector<std::string> words(count, "word");
  return absl::StrJoin(words, " ");
}

class TicketServiceTest : public helpdesk::testing::ClusterTest {
 protected:
  TicketServiceTest() : ClusterTest({kAuth, kAudit, kTicket}) {}
  void SetUp() override {
    ClusterTest::SetUp();
    stub_ = TicketService::NewStub(channel());
    usera_ = Login("usera@example.com").token;
    userb_ = Login("userb@example.com").token;
    admin_ = Login("admina@example.com").token;
  }

  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request,
                                const std::string& token,
                                bool as_service = false) {
    grpc::ClientContext context;
    Authorize(context, token, as_service);
    Response response;
    absl::Status status = rpc::FromGrpcStatus(
        (stub_.get()->*method)(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<Ticket> Create(
      const std::string& token, const std::string& title = "Printer is broken",
      const std::string& body = "It jams on page two") {
    tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title(title);
    request.mutable_ticket()->set_body(body);
    return Call<tickets::v1::CreateTicketRequest, Ticket>(
        &TicketService::Stub::CreateTicket, request, token);
  }

  absl::StatusOr<Ticket> Get(const std::string& token, int64_t id,
                             bool full = false) {
    tickets::v1::GetTicketRequest request;
    request.set_id(id);
    if (full) request.set_view(tickets::v1::TICKET_VIEW_FULL);
    return Call<tickets::v1::GetTicketRequest, Ticket>(
        &TicketService::Stub::GetTicket, request, token);
  }

  absl::StatusOr<tickets::v1::ListTicketsResponse> List(
      const std::string& token, tickets::v1::ListTicketsRequest request = {}) {
    return Call<tickets::v1::ListTicketsRequest,
                tickets::v1::ListTicketsResponse>(
        &TicketService::Stub::ListTickets, request, token);
  }

  std::vector<std::string> Titles(const std::string& token,
                                  tickets::v1::ListTicketsRequest request) {
    auto list = List(token, request);
    EXPECT_THAT(list, IsOk());
    std::vector<std::string> titles;
    if (list.ok()) {
      for (const auto& ticket : list->tickets())
        titles.push_back(ticket.title());
    }
    return titles;
  }

  absl::StatusOr<Ticket> Update(const std::string& token, const Ticket& patch,
                                std::vector<std::string> paths = {}) {
    tickets::v1::UpdateTicketRequest request;
    *request.mutable_ticket() = patch;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(path);
    return Call<tickets::v1::UpdateTicketRequest, Ticket>(
        &TicketService::Stub::UpdateTicket, request, token);
  }

  absl::StatusOr<Ticket> Assign(const std::string& token, int64_t id,
                                int64_t assignee) {
    tickets::v1::AssignTicketRequest request;
    request.set_id(id);
    request.set_assignee_id(assignee);
    return Call<tickets::v1::AssignTicketRequest, Ticket>(
        &TicketService::Stub::AssignTicket, request, token);
  }

  std::unique_ptr<TicketService::Stub> stub_;
  std::string usera_, userb_, admin_;
};

TEST_F(TicketServiceTest, UserCreatesAnOpenTicketShownWithTheirName) {
  auto ticket = Create(usera_, "  Printer is broken  ", "\n It jams \n");
  ASSERT_THAT(ticket, IsOk());
  EXPECT_EQ(ticket->title(), "Printer is broken");
  EXPECT_EQ(ticket->body(), "It jams");
  EXPECT_EQ(ticket->status(), Ticket::OPEN);
  EXPECT_EQ(ticket->requester_name(), "User A");
  EXPECT_EQ(ticket->requester_email(), "usera@example.com");
  EXPECT_EQ(ticket->assignee_id(), 0);
  EXPECT_FALSE(ticket->has_escalate_time());
}

TEST_F(TicketServiceTest, OnlySignedInUsersCreateTickets) {
  EXPECT_THAT(Create(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Create(admin_), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TicketServiceTest, TitleAndBodyWordLimitsAreInclusive) {
  EXPECT_THAT(Create(usera_, Words(15), Words(300)), IsOk());
  absl::Status too_long = Create(usera_, Words(16), Words(301)).status();
  EXPECT_THAT(too_long, StatusIs(absl::StatusCode::kInvalidArgument));
  auto bad_request = GetBadRequest(too_long);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(0).field(), "ticket.title");
  EXPECT_EQ(bad_request->field_violations(1).field(), "ticket.body");
  EXPECT_THAT(Create(usera_, "   ", "body"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Create(usera_, "title", " \t\n "),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Create(usera_, "bad\x01title", "body"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TicketServiceTest, CreationIsRateLimitedPerUser) {
  for (int i = 0; i < 10; ++i) ASSERT_THAT(Create(usera_), IsOk());
  EXPECT_THAT(Create(usera_), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(Create(userb_), IsOk());
  clock_.Advance(absl::Minutes(6));
  EXPECT_THAT(Create(usera_), IsOk());
}

TEST_F(TicketServiceTest, OwnerAndAdminSeeATicketOthersGetNotFound) {
  auto ticket = Create(usera_);
  ASSERT_THAT(ticket, IsOk());
  EXPECT_THAT(Get(usera_, ticket->id()), IsOk());
  EXPECT_THAT(Get(admin_, ticket->id()), IsOk());
  EXPECT_THAT(Get(userb_, ticket->id()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Get("", ticket->id()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Get(admin_, 9999), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Get(usera_, ticket->id(), /*full=*/true),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TicketServiceTest, FullViewAddsNotesAndHistoryForAdmins) {
  auto ticket = Create(usera_);
  ASSERT_THAT(ticket, IsOk());
  ASSERT_THAT(Assign(admin_, ticket->id(), 1), IsOk());
  tickets::v1::CreateNoteRequest note;
  note.set_ticket_id(ticket->id());
  note.mutable_note()->set_body("Called the vendor.");
  ASSERT_THAT((Call<tickets::v1::CreateNoteRequest, tickets::v1::Note>(
                  &TicketService::Stub::CreateNote, note, admin_)),
              IsOk());
  DeliverOutboxes();
  auto full = Get(admin_, ticket->id(), /*full=*/true);
  ASSERT_THAT(full, IsOk());
  ASSERT_EQ(full->notes_size(), 1);
  EXPECT_EQ(full->notes(0).author_name(), "Admin A");
  EXPECT_EQ(full->assignee_name(), "Admin A");
  std::vector<std::string> actions;
  for (const auto& event : full->history()) actions.push_back(event.action());
  EXPECT_THAT(actions,
              ElementsAre("ticket.created", "ticket.assigned", "note.created"));
}

TEST_F(TicketServiceTest, UsersListTheirOwnTicketsAdminsListAll) {
  ASSERT_THAT(Create(usera_, "Mine one"), IsOk());
  ASSERT_THAT(Create(userb_, "Theirs"), IsOk());
  ASSERT_THAT(Create(usera_, "Mine two"), IsOk());
  EXPECT_THAT(Titles(usera_, {}), ElementsAre("Mine two", "Mine one"));
  EXPECT_THAT(Titles(admin_, {}),
              ElementsAre("Mine two", "Theirs", "Mine one"));
  auto list = List(usera_);
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->total_size(), 2);
  EXPECT_THAT(List(""), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(TicketServiceTest, FiltersByStatusAndAssignee) {
  auto open = Create(usera_, "Open one");
  auto progressing = Create(usera_, "In progress one");
  ASSERT_THAT(open, IsOk());
  ASSERT_THAT(progressing, IsOk());
  Ticket patch;
  patch.set_id(progressing->id());
  patch.set_status(Ticket::IN_PROGRESS);
  ASSERT_THAT(Update(admin_, patch, {"status"}), IsOk());
  ASSERT_THAT(Assign(admin_, progressing->id(), 1), IsOk());

  tickets::v1::ListTicketsRequest request;
  request.set_status(Ticket::IN_PROGRESS);
  EXPECT_THAT(Titles(admin_, request), ElementsAre("In progress one"));
  request.Clear();
  request.set_assignee("me");
  EXPECT_THAT(Titles(admin_, request), ElementsAre("In progress one"));
  request.set_assignee("unassigned");
  EXPECT_THAT(Titles(admin_, request), ElementsAre("Open one"));
  request.set_assignee("2");
  EXPECT_THAT(Titles(admin_, request), IsEmpty());
  request.set_assignee("someone");
  EXPECT_THAT(List(admin_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TicketServiceTest, SearchMatchesWordPrefixesInTitleAndBody) {
  ASSERT_THAT(Create(usera_, "Printer jams", "Paper stuck in the tray"),
              IsOk());
  ASSERT_THAT(Create(usera_, "VPN drops", "Connection lost hourly"), IsOk());
  tickets::v1::ListTicketsRequest request;
  request.set_query("prin");
  EXPECT_THAT(Titles(usera_, request), ElementsAre("Printer jams"));
  request.set_query("conn hourly");
  EXPECT_THAT(Titles(usera_, request), ElementsAre("VPN drops"));
  request.set_query("printer hourly");  // every term must match
  EXPECT_THAT(Titles(usera_, request), IsEmpty());
  ASSERT_THAT(Create(usera_, "Printing is slow", "Spooler busy"), IsOk());
  request.set_query("PRINT");  // a prefix of two words, any case
  EXPECT_THAT(Titles(usera_, request),
              ElementsAre("Printing is slow", "Printer jams"));
  request.set_query("zzz");  // no word starts with it
  EXPECT_THAT(Titles(usera_, request), IsEmpty());
}

TEST_F(TicketServiceTest, SearchSyntaxAndSqlInTheQueryAreOnlyText) {
  ASSERT_THAT(Create(usera_, "Printer jams", "Paper stuck"), IsOk());
  for (const char* query :
       {"\" OR 1=1 --", "'; DROP TABLE tickets; --", "title:printer",
        "NEAR(printer paper)", "printer OR vpn", "*", "(((", "^printer",
        "printer\"", "-printer", "printer AND", "%", "\\"}) {
    tickets::v1::ListTicketsRequest request;
    request.set_query(query);
    EXPECT_THAT(List(usera_, request), IsOk()) << query;
  }
  tickets::v1::ListTicketsRequest request;
  request.set_query("printer\"");
  EXPECT_THAT(Titles(usera_, request), ElementsAre("Printer jams"));
  EXPECT_THAT(Titles(usera_, {}), ElementsAre("Printer jams"));
}

TEST_F(TicketServiceTest, PagingIsStableWhileTicketsAreAdded) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_THAT(Create(usera_, absl::StrCat("Ticket ", i)), IsOk());
  }
  tickets::v1::ListTicketsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto list = List(usera_, request);
    ASSERT_THAT(list, IsOk());
    EXPECT_EQ(list->total_size(), 5);
    for (const auto& ticket : list->tickets()) seen.push_back(ticket.title());
    ASSERT_THAT(Create(usera_, absl::StrCat("Late ", page)), IsOk());
    if (list->next_page_token().empty()) break;
    request.set_page_token(list->next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("Ticket 5", "Ticket 4", "Ticket 3", "Ticket 2",
                                "Ticket 1"));
}

TEST_F(TicketServiceTest, PageTokenFromAnotherQueryIsRejected) {
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Create(usera_), IsOk());
  tickets::v1::ListTicketsRequest request;
  request.set_page_size(1);
  auto first = List(usera_, request);
  ASSERT_THAT(first, IsOk());
  request.set_page_token(first->next_page_token());
  request.set_status(Ticket::RESOLVED);
  EXPECT_THAT(List(usera_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_status(Ticket::STATUS_UNSPECIFIED);
  EXPECT_THAT(List(userb_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_size(-1);
  EXPECT_THAT(List(usera_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TicketServiceTest, OwnerEditsTitleAndBodyAdminSetsStatus) {
  auto ticket = Create(usera_);
  ASSERT_THAT(ticket, IsOk());
  Ticket patch;
  patch.set_id(ticket->id());
  patch.set_title("Printer is on fire");
  auto edited = Update(usera_, patch);  // no mask: the fields present
  ASSERT_THAT(edited, IsOk());
  EXPECT_EQ(edited->title(), "Printer is on fire");
  EXPECT_EQ(edited->body(), "It jams on page two");

  patch.Clear();
  patch.set_id(ticket->id());
  patch.set_status(Ticket::RESOLVED);
  EXPECT_THAT(Update(usera_, patch, {"status"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto resolved = Update(admin_, patch, {"status"});
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->status(), Ticket::RESOLVED);

  patch.set_title("Admin rewrite");
  EXPECT_THAT(Update(admin_, patch, {"title"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Update(userb_, patch, {"title"}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Update(usera_, patch, {"assignee_id"}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Update(usera_, patch, {"no_such_field"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Update(usera_, patch, {"title", "status"}),
              StatusIs(absl::StatusCode::kPermissionDenied))
      << "a partly forbidden change is refused as a whole";
  patch.set_title(Words(16));
  EXPECT_THAT(Update(usera_, patch, {"title"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Ticket empty;
  empty.set_id(ticket->id());
  EXPECT_THAT(Update(usera_, empty),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TicketServiceTest, AssignmentGoesToAdminsOnly) {
  auto ticket = Create(usera_);
  ASSERT_THAT(ticket, IsOk());
  auto assigned = Assign(admin_, ticket->id(), 2);
  ASSERT_THAT(assigned, IsOk());
  EXPECT_EQ(assigned->assignee_id(), 2);
  EXPECT_EQ(assigned->assignee_name(), "Admin B");
  EXPECT_THAT(Assign(admin_, ticket->id(), 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Assign(admin_, ticket->id(), 999),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Assign(usera_, ticket->id(), 1),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Assign(admin_, 4242, 1), StatusIs(absl::StatusCode::kNotFound));
  auto unassigned = Assign(admin_, ticket->id(), 0);
  ASSERT_THAT(unassigned, IsOk());
  EXPECT_EQ(unassigned->assignee_id(), 0);
}

TEST_F(TicketServiceTest, NotesAreForAdmins) {
  auto ticket = Create(usera_);
  ASSERT_THAT(ticket, IsOk());
  tickets::v1::CreateNoteRequest note;
  note.set_ticket_id(ticket->id());
  note.mutable_note()->set_body("Internal: vendor contacted");
  EXPECT_THAT((Call<tickets::v1::CreateNoteRequest, tickets::v1::Note>(
                  &TicketService::Stub::CreateNote, note, usera_)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT((Call<tickets::v1::CreateNoteRequest, tickets::v1::Note>(
                  &TicketService::Stub::CreateNote, note, admin_)),
              IsOk());
  note.mutable_note()->set_body(std::string(2001, 'x'));
  EXPECT_THAT((Call<tickets::v1::CreateNoteRequest, tickets::v1::Note>(
                  &TicketService::Stub::CreateNote, note, admin_)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  note.set_ticket_id(777);
  note.mutable_note()->set_body("x");
  EXPECT_THAT((Call<tickets::v1::CreateNoteRequest, tickets::v1::Note>(
                  &TicketService::Stub::CreateNote, note, admin_)),
              StatusIs(absl::StatusCode::kNotFound));

  tickets::v1::ListNotesRequest list;
  list.set_ticket_id(ticket->id());
  EXPECT_THAT(
      (Call<tickets::v1::ListNotesRequest, tickets::v1::ListNotesResponse>(
          &TicketService::Stub::ListNotes, list, usera_)),
      StatusIs(absl::StatusCode::kPermissionDenied));
  auto notes =
      Call<tickets::v1::ListNotesRequest, tickets::v1::ListNotesResponse>(
          &TicketService::Stub::ListNotes, list, admin_);
  ASSERT_THAT(notes, IsOk());
  ASSERT_EQ(notes->notes_size(), 1);
  EXPECT_EQ(notes->notes(0).body(), "Internal: vendor contacted");
}

}  // namespace
}  // namespace helpdesk::ticket
