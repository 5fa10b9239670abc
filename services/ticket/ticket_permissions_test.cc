// The permission matrix of TicketService: anonymous, the ticket's owner,
// another user and an admin against every RPC, with the code each gets, on
// both storage engines.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"
#include "libs/testing/store_engines.h"

namespace helpdesk::ticket {
namespace {

using ::absl::StatusCode;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;

enum Caller { kAnonymous, kOwner, kOtherUser, kAdmin };

class TicketPermissionsTest : public helpdesk::testing::ClusterEngineTest {
 protected:
  TicketPermissionsTest() : ClusterEngineTest({kAuth, kAudit, kTicket}) {}
  void SetUp() override {
    ClusterEngineTest::SetUp();
    stub_ = TicketService::NewStub(channel());
    tokens_[kOwner] = Login("usera@example.com").token;
    tokens_[kOtherUser] = Login("userb@example.com").token;
    tokens_[kAdmin] = Login("admina@example.com").token;
    grpc::ClientContext context;
    Authorize(context, tokens_[kOwner]);
    tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Owned ticket");
    request.mutable_ticket()->set_body("Owned by User A");
    ASSERT_TRUE(stub_->CreateTicket(&context, request, &ticket_).ok());
  }

  // Runs `call` as `caller` and returns the status code.
  StatusCode As(Caller caller,
                const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    grpc::ClientContext context;
    Authorize(context, tokens_[caller]);
    return rpc::FromGrpcStatus(call(&context)).code();
  }

  std::unique_ptr<TicketService::Stub> stub_;
  std::map<Caller, std::string> tokens_;
  Ticket ticket_;
};

HELPDESK_INSTANTIATE_ENGINES(TicketPermissionsTest);

struct Row {
  const char* rpc;
  StatusCode anonymous, owner, other_user, admin;
};

TEST_P(TicketPermissionsTest, EveryRpcAnswersEachCallerAsContracted) {
  using C = StatusCode;
  const int64_t id = ticket_.id();
  std::map<std::string, std::function<grpc::Status(grpc::ClientContext*)>>
      calls = {
          {"CreateTicket",
           [&](grpc::ClientContext* c) {
             tickets::v1::CreateTicketRequest r;
             r.mutable_ticket()->set_title("New one");
             r.mutable_ticket()->set_body("Body");
             Ticket t;
             return stub_->CreateTicket(c, r, &t);
           }},
          {"GetTicket",
           [&](grpc::ClientContext* c) {
             tickets::v1::GetTicketRequest r;
             r.set_id(id);
             Ticket t;
             return stub_->GetTicket(c, r, &t);
           }},
          {"GetTicket FULL",
           [&](grpc::ClientContext* c) {
             tickets::v1::GetTicketRequest r;
             r.set_id(id);
             r.set_view(tickets::v1::TICKET_VIEW_FULL);
             Ticket t;
             return stub_->GetTicket(c, r, &t);
           }},
          {"ListTickets",
           [&](grpc::ClientContext* c) {
             tickets::v1::ListTicketsResponse t;
             return stub_->ListTickets(c, {}, &t);
           }},
          {"UpdateTicket title",
           [&](grpc::ClientContext* c) {
             tickets::v1::UpdateTicketRequest r;
             r.mutable_ticket()->set_id(id);
             r.mutable_ticket()->set_title("Renamed ticket");
             r.mutable_update_mask()->add_paths("title");
             Ticket t;
             return stub_->UpdateTicket(c, r, &t);
           }},
          {"UpdateTicket status",
           [&](grpc::ClientContext* c) {
             tickets::v1::UpdateTicketRequest r;
             r.mutable_ticket()->set_id(id);
             r.mutable_ticket()->set_status(Ticket::IN_PROGRESS);
             r.mutable_update_mask()->add_paths("status");
             Ticket t;
             return stub_->UpdateTicket(c, r, &t);
           }},
          {"AssignTicket",
           [&](grpc::ClientContext* c) {
             tickets::v1::AssignTicketRequest r;
             r.set_id(id);
             r.set_assignee_id(1);
             Ticket t;
             return stub_->AssignTicket(c, r, &t);
           }},
          {"CreateComment",
           [&](grpc::ClientContext* c) {
             tickets::v1::CreateCommentRequest r;
             r.set_ticket_id(id);
             r.mutable_comment()->set_body("A public reply");
             tickets::v1::Comment n;
             return stub_->CreateComment(c, r, &n);
           }},
          {"ListComments",
           [&](grpc::ClientContext* c) {
             tickets::v1::ListCommentsRequest r;
             r.set_ticket_id(id);
             tickets::v1::ListCommentsResponse n;
             return stub_->ListComments(c, r, &n);
           }},
          {"CreateNote",
           [&](grpc::ClientContext* c) {
             tickets::v1::CreateNoteRequest r;
             r.set_ticket_id(id);
             r.mutable_note()->set_body("Internal note");
             tickets::v1::Note n;
             return stub_->CreateNote(c, r, &n);
           }},
          {"ListNotes",
           [&](grpc::ClientContext* c) {
             tickets::v1::ListNotesRequest r;
             r.set_ticket_id(id);
             tickets::v1::ListNotesResponse n;
             return stub_->ListNotes(c, r, &n);
           }},
          {"EscalateOverdue",
           [&](grpc::ClientContext* c) {
             tickets::v1::EscalateOverdueResponse e;
             return stub_->EscalateOverdue(c, {}, &e);
           }},
      };
  const Row kMatrix[] = {
      // rpc                  anonymous           owner                other
      // user           admin
      {"CreateTicket", C::kUnauthenticated, C::kOk, C::kOk,
       C::kPermissionDenied},
      {"GetTicket", C::kUnauthenticated, C::kOk, C::kNotFound, C::kOk},
      {"GetTicket FULL", C::kUnauthenticated, C::kPermissionDenied,
       C::kNotFound, C::kOk},
      {"ListTickets", C::kUnauthenticated, C::kOk, C::kOk, C::kOk},
      {"UpdateTicket title", C::kUnauthenticated, C::kOk, C::kNotFound,
       C::kPermissionDenied},
      {"UpdateTicket status", C::kUnauthenticated, C::kPermissionDenied,
       C::kNotFound, C::kOk},
      {"AssignTicket", C::kUnauthenticated, C::kPermissionDenied,
       C::kPermissionDenied, C::kOk},
      {"CreateComment", C::kUnauthenticated, C::kOk, C::kNotFound, C::kOk},
      {"ListComments", C::kUnauthenticated, C::kOk, C::kNotFound, C::kOk},
      {"CreateNote", C::kUnauthenticated, C::kPermissionDenied,
       C::kPermissionDenied, C::kOk},
      {"ListNotes", C::kUnauthenticated, C::kPermissionDenied,
       C::kPermissionDenied, C::kOk},
      // Internal: only the service credential opens it, whoever signs in.
      {"EscalateOverdue", C::kPermissionDenied, C::kPermissionDenied,
       C::kPermissionDenied, C::kPermissionDenied},
  };
  for (const Row& row : kMatrix) {
    const auto& call = calls.at(row.rpc);
    EXPECT_EQ(As(kAnonymous, call), row.anonymous) << row.rpc << " anonymous";
    EXPECT_EQ(As(kOwner, call), row.owner) << row.rpc << " owner";
    EXPECT_EQ(As(kOtherUser, call), row.other_user) << row.rpc << " other user";
    EXPECT_EQ(As(kAdmin, call), row.admin) << row.rpc << " admin";
  }
}

}  // namespace
}  // namespace helpdesk::ticket
