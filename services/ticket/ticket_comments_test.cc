// The public conversation of a ticket (CreateComment, ListComments) through
// the five real services on both storage engines: who may reply and read,
// the thread's order and paging, who hears of a reply (through the outbox,
// the job queue and NotificationService), reopening on a requester's reply,
// the first response time, validation, the audit trail and the rate limit.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"
#include "libs/testing/store_engines.h"

namespace helpdesk::ticket {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::auth::v1::User;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::tickets::v1::Comment;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TicketCommentsTest : public helpdesk::testing::ClusterEngineTest {
 protected:
  void SetUp() override {
    ClusterEngineTest::SetUp();
    tickets_ = TicketService::NewStub(cluster_->Channel(kTicket));
    notifications_ = NotificationService::NewStub(cluster_->Channel(kTicket));
    user_ = Login("usera@example.com");
    other_ = Login("userb@example.com");
    admin_a_ = Login("admina@example.com");
    admin_b_ = Login("adminb@example.com");
    tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Printer jams");
    request.mutable_ticket()->set_body("Every page since Monday");
    auto created = Call(tickets_.get(), &TicketService::Stub::CreateTicket,
                        request, user_.token);
    ASSERT_THAT(created, IsOk());
    ticket_ = *created;
  }

  absl::StatusOr<Comment> Reply(const testing::TestUser& who,
                                const std::string& body) {
    tickets::v1::CreateCommentRequest request;
    request.set_ticket_id(ticket_.id());
    request.mutable_comment()->set_body(body);
    return Call(tickets_.get(), &TicketService::Stub::CreateComment, request,
                who.token);
  }

  absl::StatusOr<tickets::v1::ListCommentsResponse> Thread(
      const testing::TestUser& who, int page_size = 0,
      const std::string& page_token = "") {
    tickets::v1::ListCommentsRequest request;
    request.set_ticket_id(ticket_.id());
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return Call(tickets_.get(), &TicketService::Stub::ListComments, request,
                who.token);
  }

  Ticket Get() {
    tickets::v1::GetTicketRequest request;
    request.set_id(ticket_.id());
    auto ticket = Call(tickets_.get(), &TicketService::Stub::GetTicket, request,
                       admin_a_.token);
    EXPECT_THAT(ticket, IsOk());
    return ticket.ok() ? *ticket : Ticket();
  }

  void SetStatus(Ticket::Status status) {
    tickets::v1::UpdateTicketRequest request;
    request.mutable_ticket()->set_id(ticket_.id());
    request.mutable_ticket()->set_status(status);
    request.mutable_update_mask()->add_paths("status");
    ASSERT_THAT(Call(tickets_.get(), &TicketService::Stub::UpdateTicket,
                     request, admin_a_.token),
                IsOk());
  }

  void Assign(const testing::TestUser& by, int64_t assignee) {
    tickets::v1::AssignTicketRequest request;
    request.set_id(ticket_.id());
    request.set_assignee_id(assignee);
    ASSERT_THAT(Call(tickets_.get(), &TicketService::Stub::AssignTicket,
                     request, by.token),
                IsOk());
  }

  // Delivers everything queued, then each person's notification subjects.
  std::vector<std::string> Inbox(const testing::TestUser& who) {
    DeliverOutboxes();
    RunJobs();
    auto listed = Call(
        notifications_.get(), &NotificationService::Stub::ListNotifications,
        notifications::v1::ListNotificationsRequest(), who.token);
    EXPECT_THAT(listed, IsOk());
    std::vector<std::string> subjects;
    if (!listed.ok()) return subjects;
    for (const auto& notification : listed->notifications()) {
      subjects.push_back(notification.subject());
    }
    return subjects;
  }

  std::unique_ptr<TicketService::Stub> tickets_;
  std::unique_ptr<NotificationService::Stub> notifications_;
  testing::TestUser user_, other_, admin_a_, admin_b_;
  Ticket ticket_;
};

HELPDESK_INSTANTIATE_ENGINES(TicketCommentsTest);

TEST_P(TicketCommentsTest, RequesterAndAdminsShareOneThreadOldestFirst) {
  ASSERT_THAT(Reply(user_, "Still jamming"), IsOk());
  clock_.Advance(absl::Minutes(1));
  auto answer = Reply(admin_a_, "  Try the other tray  ");
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->body(), "Try the other tray");
  EXPECT_EQ(answer->author_role(), User::ADMIN);
  EXPECT_EQ(answer->author_name(), "Admin A");
  EXPECT_FALSE(answer->system());
  clock_.Advance(absl::Minutes(1));
  ASSERT_THAT(Reply(admin_b_, "Or call us"), IsOk());

  for (const testing::TestUser* reader : {&user_, &admin_b_}) {
    auto thread = Thread(*reader);
    ASSERT_THAT(thread, IsOk());
    std::vector<std::string> bodies;
    for (const Comment& comment : thread->comments()) {
      bodies.push_back(comment.body());
    }
    EXPECT_THAT(bodies, ElementsAre("Still jamming", "Try the other tray",
                                    "Or call us"));
    EXPECT_EQ(thread->comments(0).author_role(), User::USER);
    EXPECT_TRUE(thread->next_page_token().empty());
  }
  // Paged: two, then the rest.
  auto first = Thread(user_, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->comments_size(), 2);
  ASSERT_FALSE(first->next_page_token().empty());
  auto rest = Thread(user_, 2, first->next_page_token());
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->comments_size(), 1);
  EXPECT_EQ(rest->comments(0).body(), "Or call us");
  EXPECT_THAT(Thread(user_, 2, "forged-token"),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // Someone else's ticket: as if it did not exist.
  EXPECT_THAT(Reply(other_, "Me too"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Thread(other_), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Thread(user_)->comments_size(), 3);
}

TEST_P(TicketCommentsTest, EachSideHearsOfTheOthersReplyAndNobodyOfTheirOwn) {
  // Unassigned: the requester's reply goes to every admin.
  ASSERT_THAT(Reply(user_, "Anyone there?"), IsOk());
  EXPECT_THAT(Inbox(admin_a_), ElementsAre("Requester replied: Printer jams"));
  EXPECT_THAT(Inbox(admin_b_), ElementsAre("Requester replied: Printer jams"));
  EXPECT_THAT(Inbox(user_), ::testing::IsEmpty());

  // An agent's reply goes to the requester only.
  ASSERT_THAT(Reply(admin_a_, "Looking into it"), IsOk());
  EXPECT_THAT(Inbox(user_),
              ElementsAre("New reply on your ticket: Printer jams"));
  EXPECT_EQ(Inbox(admin_a_).size(), 1u);

  // Assigned: only the assignee hears of the requester's next reply. Admin
  // A assigning the ticket to herself tells nobody.
  Assign(admin_a_, admin_a_.id);
  ASSERT_THAT(Reply(user_, "Thanks"), IsOk());
  EXPECT_THAT(Inbox(admin_a_), ElementsAre("Requester replied: Printer jams",
                                           "Requester replied: Printer jams"));
  EXPECT_EQ(Inbox(admin_b_).size(), 1u);
  // Assigned to admin B by admin A: B hears of that, A does not.
  Assign(admin_a_, admin_b_.id);
  EXPECT_THAT(Inbox(admin_b_),
              ElementsAre("Assigned to you: Printer jams",  // newest first
                          "Requester replied: Printer jams"));
  EXPECT_EQ(Inbox(admin_a_).size(), 2u);
}

TEST_P(TicketCommentsTest, RequesterReplyReopensAResolvedTicketAndSaysSo) {
  SetStatus(Ticket::RESOLVED);
  // An agent's reply leaves it resolved.
  ASSERT_THAT(Reply(admin_a_, "Fixed the rollers"), IsOk());
  EXPECT_EQ(Get().status(), Ticket::RESOLVED);

  ASSERT_THAT(Reply(user_, "It jams again"), IsOk());
  EXPECT_EQ(Get().status(), Ticket::OPEN);
  auto thread = Thread(user_);
  ASSERT_THAT(thread, IsOk());
  ASSERT_EQ(thread->comments_size(), 3);
  EXPECT_EQ(thread->comments(1).body(), "It jams again");
  const Comment& entry = thread->comments(2);
  EXPECT_TRUE(entry.system());
  EXPECT_EQ(entry.author_id(), 0);
  EXPECT_THAT(entry.body(), HasSubstr("reopened"));
  EXPECT_THAT(Inbox(admin_b_),
              ElementsAre("Reopened by a reply: Printer jams"));

  // Open already: a reply changes nothing more.
  ASSERT_THAT(Reply(user_, "Any news?"), IsOk());
  EXPECT_EQ(Thread(user_)->comments_size(), 4);

  // The trail has the reply and the status change it made, by the
  // requester, with before/after.
  DeliverOutboxes();
  auto audit = audit::v1::AuditService::NewStub(cluster_->Channel(kAudit));
  audit::v1::ListAuditEventsRequest request;
  request.set_entity_type("ticket");
  request.set_entity_id(ticket_.id());
  auto events =
      Call(audit.get(), &audit::v1::AuditService::Stub::ListAuditEvents,
           request, admin_a_.token);
  ASSERT_THAT(events, IsOk());
  int comments = 0;
  int reopened = 0;
  for (const auto& event : events->audit_events()) {
    if (event.action() == "comment.created") ++comments;
    if (event.action() == "ticket.status_changed" &&
        event.actor_id() == user_.id) {
      ++reopened;
      EXPECT_EQ(event.before().fields().at("status").string_value(),
                "RESOLVED");
      EXPECT_EQ(event.after().fields().at("status").string_value(), "OPEN");
    }
  }
  EXPECT_EQ(comments, 3);
  EXPECT_EQ(reopened, 1);
}

TEST_P(TicketCommentsTest, FirstAgentReplyStampsTheFirstResponseTime) {
  ASSERT_THAT(Reply(user_, "Hello?"), IsOk());
  EXPECT_FALSE(Get().has_first_response_time());
  clock_.Advance(absl::Minutes(3));
  const absl::Time answered = clock_.Now();
  ASSERT_THAT(Reply(admin_b_, "Here"), IsOk());
  clock_.Advance(absl::Minutes(2));
  ASSERT_THAT(Reply(admin_a_, "Me too"), IsOk());
  const Ticket ticket = Get();
  ASSERT_TRUE(ticket.has_first_response_time());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(ticket.first_response_time()),
            absl::ToUnixMicros(answered));
}

TEST_P(TicketCommentsTest, BadRepliesAreRefusedAndRepliesAreRateLimited) {
  EXPECT_THAT(Reply(user_, "   "),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string long_body;
  for (int i = 0; i < 301; ++i) absl::StrAppend(&long_body, "word ");
  EXPECT_THAT(Reply(user_, long_body),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Thread(user_)->comments_size(), 0);

  for (int i = 0; i < 30; ++i) {
    ASSERT_THAT(Reply(user_, absl::StrCat("Reply ", i)), IsOk()) << i;
  }
  EXPECT_THAT(Reply(user_, "One too many"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // The limit is per person; and it refills.
  EXPECT_THAT(Reply(admin_a_, "Not limited"), IsOk());
  clock_.Advance(absl::Minutes(10));
  EXPECT_THAT(Reply(user_, "Later"), IsOk());
}

}  // namespace
}  // namespace helpdesk::ticket
