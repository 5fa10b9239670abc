// What each ticket mutation writes to the outbox (audit events with
// snapshots, jobs with typed payloads), escalation with a manual clock, and
// the demo data.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"
#include "services/ticket/demo_tickets.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TicketOutboxTest : public helpdesk::testing::ClusterTest {
 protected:
  TicketOutboxTest() : ClusterTest({kAuth, kAudit, kTicket}) {}
  void SetUp() override {
    ClusterTest::SetUp();
    // Keep every row in the outbox: stop the relay so nothing is delivered
    // while the test reads it.
    cluster_->ticket()->relay()->Stop();
    stub_ = TicketService::NewStub(channel());
    user_ = Login("usera@example.com").token;
    admin_ = Login("admina@example.com").token;
  }

  Ticket Create() {
    grpc::ClientContext context;
    Authorize(context, user_);
    tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Printer broken");
    request.mutable_ticket()->set_body("It jams");
    Ticket ticket;
    EXPECT_TRUE(stub_->CreateTicket(&context, request, &ticket).ok());
    return ticket;
  }

  absl::Status Update(const std::string& token, const Ticket& patch,
                      const std::string& path) {
    grpc::ClientContext context;
    Authorize(context, token);
    tickets::v1::UpdateTicketRequest request;
    *request.mutable_ticket() = patch;
    request.mutable_update_mask()->add_paths(path);
    Ticket response;
    return rpc::FromGrpcStatus(
        stub_->UpdateTicket(&context, request, &response));
  }

  absl::Status Assign(int64_t id, int64_t assignee) {
    grpc::ClientContext context;
    Authorize(context, admin_);
    tickets::v1::AssignTicketRequest request;
    request.set_id(id);
    request.set_assignee_id(assignee);
    Ticket response;
    return rpc::FromGrpcStatus(
        stub_->AssignTicket(&context, request, &response));
  }

  absl::StatusOr<tickets::v1::EscalateOverdueResponse> Escalate(
      bool as_service = true, const std::string& token = "") {
    grpc::ClientContext context;
    Authorize(context, token, as_service);
    tickets::v1::EscalateOverdueRequest request;
    tickets::v1::EscalateOverdueResponse response;
    absl::Status status = rpc::FromGrpcStatus(
        stub_->EscalateOverdue(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  std::vector<audit::v1::RecordAuditEventRequest> AuditEvents() {
    std::vector<audit::v1::RecordAuditEventRequest> events;
    for (const std::string& payload : OutboxPayloads("tickets.db", "audit")) {
      events.emplace_back();
      EXPECT_TRUE(events.back().ParseFromString(payload));
    }
    return events;
  }

  std::vector<jobs::v1::EnqueueJobRequest> Jobs() {
    std::vector<jobs::v1::EnqueueJobRequest> jobs;
    for (const std::string& payload : OutboxPayloads("tickets.db", "jobs")) {
      jobs.emplace_back();
      EXPECT_TRUE(jobs.back().ParseFromString(payload));
    }
    return jobs;
  }

  std::vector<std::string> Actions() {
    std::vector<std::string> actions;
    for (const auto& event : AuditEvents()) actions.push_back(event.action());
    return actions;
  }

  std::unique_ptr<TicketService::Stub> stub_;
  std::string user_, admin_;
};

TEST_F(TicketOutboxTest, CreationIsAuditedWithASnapshotAndNoJob) {
  Ticket ticket = Create();
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action(), "ticket.created");
  EXPECT_EQ(events[0].entity_type(), "ticket");
  EXPECT_EQ(events[0].entity_id(), ticket.id());
  EXPECT_EQ(events[0].after().fields().at("title").string_value(),
            "Printer broken");
  EXPECT_THAT(Jobs(), IsEmpty());
}

TEST_F(TicketOutboxTest, EditRecordsBeforeAndAfterOfTheChangedFieldsOnly) {
  Ticket ticket = Create();
  Ticket patch;
  patch.set_id(ticket.id());
  patch.set_title("Printer on fire");
  ASSERT_THAT(Update(user_, patch, "title"), IsOk());
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action(), "ticket.edited");
  EXPECT_EQ(events[1].before().fields().at("title").string_value(),
            "Printer broken");
  EXPECT_EQ(events[1].after().fields().at("title").string_value(),
            "Printer on fire");
  EXPECT_FALSE(events[1].after().fields().contains("body"));
  EXPECT_THAT(Jobs(), IsEmpty());
}

TEST_F(TicketOutboxTest, NoOpUpdatesWriteNothing) {
  Ticket ticket = Create();
  Ticket patch;
  patch.set_id(ticket.id());
  patch.set_title("Printer broken");
  ASSERT_THAT(Update(user_, patch, "title"), IsOk());
  patch.set_status(Ticket::OPEN);
  ASSERT_THAT(Update(admin_, patch, "status"), IsOk());
  ASSERT_THAT(Assign(ticket.id(), 0), IsOk());  // already unassigned
  ASSERT_THAT(Assign(ticket.id(), 1), IsOk());
  ASSERT_THAT(Assign(ticket.id(), 1), IsOk());  // already the assignee
  EXPECT_THAT(Actions(), ElementsAre("ticket.created", "ticket.assigned"));
}

TEST_F(TicketOutboxTest, StatusChangeTellsTheOwner) {
  Ticket ticket = Create();
  Ticket patch;
  patch.set_id(ticket.id());
  patch.set_status(Ticket::IN_PROGRESS);
  ASSERT_THAT(Update(admin_, patch, "status"), IsOk());
  EXPECT_THAT(Actions(),
              ElementsAre("ticket.created", "ticket.status_changed"));
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].type(), "ticket.status_changed");
  jobs::v1::TicketStatusChangedPayload payload;
  ASSERT_TRUE(jobs[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.requester_id(), ticket.requester_id());
  EXPECT_EQ(payload.old_status(), Ticket::OPEN);
  EXPECT_EQ(payload.new_status(), Ticket::IN_PROGRESS);
}

TEST_F(TicketOutboxTest, AssignmentAndUnassignmentTellTheRightAdmin) {
  Ticket ticket = Create();
  ASSERT_THAT(Assign(ticket.id(), 2), IsOk());
  ASSERT_THAT(Assign(ticket.id(), 0), IsOk());
  EXPECT_THAT(Actions(), ElementsAre("ticket.created", "ticket.assigned",
                                     "ticket.unassigned"));
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  jobs::v1::TicketAssignedPayload assigned;
  ASSERT_TRUE(jobs[0].payload().UnpackTo(&assigned));
  EXPECT_EQ(jobs[0].type(), "ticket.assigned");
  EXPECT_EQ(assigned.assignee_id(), 2);
  jobs::v1::TicketUnassignedPayload unassigned;
  ASSERT_TRUE(jobs[1].payload().UnpackTo(&unassigned));
  EXPECT_EQ(jobs[1].type(), "ticket.unassigned");
  EXPECT_EQ(unassigned.previous_assignee_id(), 2);
}

TEST_F(TicketOutboxTest, NotesAreAuditedOnTheirTicket) {
  Ticket ticket = Create();
  grpc::ClientContext context;
  Authorize(context, admin_);
  tickets::v1::CreateNoteRequest request;
  request.set_ticket_id(ticket.id());
  request.mutable_note()->set_body("Vendor called back");
  tickets::v1::Note note;
  ASSERT_TRUE(stub_->CreateNote(&context, request, &note).ok());
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action(), "note.created");
  EXPECT_EQ(events[1].entity_id(), ticket.id());
  EXPECT_EQ(events[1].actor_id(), 1);
}

TEST_F(TicketOutboxTest, EscalationIsInternalOnly) {
  EXPECT_THAT(Escalate(false, admin_),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(TicketOutboxTest, OverdueOpenTicketsEscalateOnce) {
  Ticket overdue = Create();
  Ticket handled = Create();
  Ticket patch;
  patch.set_id(handled.id());
  patch.set_status(Ticket::IN_PROGRESS);
  ASSERT_THAT(Update(admin_, patch, "status"), IsOk());

  clock_.Advance(absl::Hours(23));
  auto early = Escalate();
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(early->escalated_count(), 0);

  clock_.Advance(absl::Hours(2));
  user_ =
      Login("usera@example.com").token;  // the old session expired meanwhile
  Create();                              // new: not overdue
  auto sweep = Escalate();
  ASSERT_THAT(sweep, IsOk());
  EXPECT_EQ(sweep->escalated_count(), 1);
  EXPECT_THAT(sweep->ticket_ids(), ElementsAre(overdue.id()));
  auto again = Escalate();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->escalated_count(), 0) << "a ticket escalates once";

  auto escalated = cluster_->ticket()->store()->Get(overdue.id());
  ASSERT_THAT(escalated, IsOk());
  EXPECT_EQ(escalated->escalate_time, clock_.Now());
  std::vector<jobs::v1::EnqueueJobRequest> jobs = Jobs();
  ASSERT_FALSE(jobs.empty());
  EXPECT_EQ(jobs.back().type(), "ticket.escalated");
  EXPECT_EQ(jobs.back().dedupe_key(),
            absl::StrCat("ticket.escalated/", overdue.id()));
  EXPECT_EQ(Actions().back(), "ticket.escalated");
  EXPECT_EQ(AuditEvents().back().actor_id(), 0) << "the system acts";
}

TEST_F(TicketOutboxTest, LargeBacklogEscalatesInBatches) {
  for (int i = 0; i < 3; ++i) Create();
  clock_.Advance(absl::Hours(25));
  grpc::ClientContext context;
  Authorize(context, "", /*as_service=*/true);
  tickets::v1::EscalateOverdueRequest request;
  request.set_batch_size(2);
  tickets::v1::EscalateOverdueResponse response;
  ASSERT_TRUE(stub_->EscalateOverdue(&context, request, &response).ok());
  EXPECT_EQ(response.escalated_count(), 3);
}

TEST_F(TicketOutboxTest, DemoDataHasEveryStatusAndTwoOverdueTickets) {
  auto user_id = [this](absl::string_view email) -> absl::StatusOr<int64_t> {
    // Demo accounts are created in this order on a fresh database.
    const char* emails[] = {"admina@example.com", "adminb@example.com",
                            "usera@example.com",  "userb@example.com",
                            "userc@example.com",  "userd@example.com"};
    for (int i = 0; i < 6; ++i) {
      if (email == emails[i]) return i + 1;
    }
    return absl::NotFoundError("unknown demo user");
  };
  ASSERT_THAT(
      SeedDemoTickets(*cluster_->ticket()->store(), clock_.Now(), user_id),
      IsOk());
  ASSERT_THAT(
      SeedDemoTickets(*cluster_->ticket()->store(), clock_.Now(), user_id),
      IsOk());  // once
  EXPECT_EQ(*cluster_->ticket()->store()->Count({}), 24);
  for (Ticket::Status status :
       {Ticket::OPEN, Ticket::IN_PROGRESS, Ticket::RESOLVED}) {
    EXPECT_GE(*cluster_->ticket()->store()->Count({.status = status}), 6);
  }
  EXPECT_GT(*cluster_->ticket()->store()->Count({.assignee_id = 1}), 0);
  // Listed newest first by create_time, as people read the list.
  auto listed = cluster_->ticket()->store()->List({}, 0, 100);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 24u);
  for (size_t i = 1; i < listed->size(); ++i) {
    EXPECT_GE((*listed)[i - 1].create_time, (*listed)[i].create_time) << i;
  }
  auto sweep = Escalate();
  ASSERT_THAT(sweep, IsOk());
  EXPECT_EQ(sweep->escalated_count(), 2);
}

}  // namespace
}  // namespace helpdesk::ticket
