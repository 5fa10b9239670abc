// The whole fan-out through real gRPC: ticket changes → ticket outbox →
// JobService.EnqueueJob → workers → NotificationService.CreateNotification,
// and the escalation sweep → TicketService.EscalateOverdue → jobs → every
// admin.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/call_context.h"
#include "libs/clients/notification_client.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/wait_for.h"
#include "services/jobs/fan_out_handler.h"
#include "services/jobs/jobs_test_fixture.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::WaitFor;
using ::helpdesk::tickets::v1::Ticket;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class PipelineTest : public JobsFixture {
 protected:
  void SetUp() override {
    JobsFixture::SetUp();
    SignIn();
  }

  // (Again, after the clock jumped past the sessions' lifetime.)
  void SignIn() {
    admin_a_ = Login("admina@example.com");
    admin_b_ = Login("adminb@example.com");
    user_a_ = Login("usera@example.com");
  }

  // The one job of `type`, which must exist.
  Job OnlyJob(const std::string& type) {
    auto jobs = ListJobs(admin_a_);
    EXPECT_THAT(jobs, IsOk());
    std::vector<Job> found;
    if (jobs.ok()) {
      for (const Job& job : jobs->jobs()) {
        if (job.type() == type) found.push_back(job);
      }
    }
    EXPECT_THAT(found, SizeIs(1)) << type;
    return found.empty() ? Job() : found[0];
  }

  TestUser admin_a_;
  TestUser admin_b_;
  TestUser user_a_;
};

TEST_F(PipelineTest, AssignmentNotifiesTheNewAssigneeOnce) {
  auto ticket = CreateTicket(user_a_, "Printer on fire");
  ASSERT_THAT(ticket, IsOk());
  ASSERT_THAT(Assign(admin_a_, ticket->id(), admin_b_.id), IsOk());
  DeliverAndRunJobs();
  DeliverAndRunJobs();  // nothing more to do: no duplicate

  std::vector<Notification> inbox = Notifications(admin_b_);
  ASSERT_THAT(inbox, SizeIs(1));
  const Job job = OnlyJob("ticket.assigned");
  EXPECT_EQ(job.state(), Job::SUCCEEDED);
  EXPECT_EQ(inbox[0].source_job_id(), job.id());
  EXPECT_EQ(inbox[0].ticket_id(), ticket->id());
  EXPECT_EQ(inbox[0].subject(), "Assigned to you: Printer on fire");
  EXPECT_EQ(inbox[0].message(),
            absl::StrCat("You were assigned ticket #", ticket->id(),
                         " \"Printer on fire\"."));
  EXPECT_THAT(Notifications(admin_a_), IsEmpty());
  EXPECT_THAT(Notifications(user_a_), IsEmpty());
}

TEST_F(PipelineTest, UnassignmentNotifiesThePreviousAssignee) {
  auto ticket = CreateTicket(user_a_);
  ASSERT_THAT(ticket, IsOk());
  ASSERT_THAT(Assign(admin_a_, ticket->id(), admin_b_.id), IsOk());
  ASSERT_THAT(Assign(admin_a_, ticket->id(), 0), IsOk());
  DeliverAndRunJobs();

  std::vector<Notification> inbox = Notifications(admin_b_);
  ASSERT_THAT(inbox, SizeIs(2));  // newest first
  EXPECT_EQ(inbox[0].subject(), "No longer assigned to you: Printer on fire");
  EXPECT_EQ(inbox[0].source_job_id(), OnlyJob("ticket.unassigned").id());
  EXPECT_EQ(inbox[1].source_job_id(), OnlyJob("ticket.assigned").id());
  EXPECT_THAT(Notifications(admin_a_), IsEmpty());
}

TEST_F(PipelineTest, StatusChangeNotifiesTheOwnerOnce) {
  auto ticket = CreateTicket(user_a_, "VPN drops every hour");
  ASSERT_THAT(ticket, IsOk());
  ASSERT_THAT(SetStatus(admin_a_, ticket->id(), Ticket::RESOLVED), IsOk());
  DeliverAndRunJobs();

  std::vector<Notification> inbox = Notifications(user_a_);
  ASSERT_THAT(inbox, SizeIs(1));
  EXPECT_EQ(inbox[0].subject(),
            "Your ticket is resolved: VPN drops every hour");
  EXPECT_EQ(inbox[0].message(),
            absl::StrCat("Your ticket #", ticket->id(),
                         " \"VPN drops every hour\" changed from open to "
                         "resolved."));
  EXPECT_EQ(inbox[0].source_job_id(), OnlyJob("ticket.status_changed").id());
  EXPECT_THAT(Notifications(admin_a_), IsEmpty());
}

TEST_F(PipelineTest, EscalationOfAnUnassignedTicketNotifiesEveryAdminOnce) {
  auto ticket = CreateTicket(user_a_, "Server room is flooding");
  ASSERT_THAT(ticket, IsOk());
  clock_.Advance(absl::Hours(25));
  SignIn();

  auto swept = RunSweep(admin_a_);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(swept->escalated_count(), 1);
  DeliverOutboxes();

  // A worker runs the job and dies before recording that it did.
  auto claimed = jobs_->store()->ClaimDue(
      clock_.Now(), jobs_options_.workers.lease, "crashed/0", 10);
  ASSERT_THAT(claimed, IsOk());
  ASSERT_THAT(*claimed, SizeIs(1));
  clients::NotificationClient notifications({channel_, kServiceToken});
  clients::AuthClient admins({channel_, kServiceToken});
  FanOutHandler handler(&notifications, &admins);
  ASSERT_THAT(handler.Run((*claimed)[0], absl::Now() + absl::Seconds(10)),
              IsOk());
  // Its lease runs out; the job runs again.
  clock_.Advance(jobs_options_.workers.lease);
  EXPECT_EQ(RunJobs(), 1);
  // And the sweep runs again.
  swept = RunSweep(admin_a_);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(swept->escalated_count(), 0);
  DeliverAndRunJobs();

  const Job job = OnlyJob("ticket.escalated");
  EXPECT_EQ(job.state(), Job::SUCCEEDED);
  EXPECT_EQ(job.attempts(), 2);
  for (const TestUser* admin : {&admin_a_, &admin_b_}) {
    std::vector<Notification> inbox = Notifications(*admin);
    ASSERT_THAT(inbox, SizeIs(1));
    EXPECT_EQ(inbox[0].source_job_id(), job.id());
    EXPECT_EQ(inbox[0].subject(),
              "Overdue ticket escalated: Server room is flooding");
    EXPECT_THAT(inbox[0].message(), HasSubstr("Nobody is assigned to it yet."));
  }
  EXPECT_THAT(Notifications(user_a_), IsEmpty());
}

TEST_F(PipelineTest, EscalationOfAnAssignedTicketNotifiesTheAssignee) {
  auto ticket = CreateTicket(user_a_);
  ASSERT_THAT(ticket, IsOk());
  ASSERT_THAT(Assign(admin_a_, ticket->id(), admin_b_.id), IsOk());
  DeliverAndRunJobs();
  clock_.Advance(absl::Hours(25));
  SignIn();
  auto swept = RunSweep(admin_a_);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(swept->escalated_count(), 1);
  DeliverAndRunJobs();

  std::vector<Notification> inbox = Notifications(admin_b_);
  ASSERT_THAT(inbox, SizeIs(2));
  EXPECT_EQ(inbox[0].source_job_id(), OnlyJob("ticket.escalated").id());
  EXPECT_THAT(inbox[0].message(), HasSubstr("It is assigned to you."));
  EXPECT_THAT(Notifications(admin_a_), IsEmpty());
}

TEST_F(PipelineTest, SweepsOnlyTicketsOlderThanTheThreshold) {
  ASSERT_THAT(CreateTicket(user_a_), IsOk());
  clock_.Advance(absl::Hours(23));
  SignIn();
  auto swept = RunSweep(admin_a_);
  ASSERT_THAT(swept, IsOk());
  EXPECT_EQ(swept->escalated_count(), 0);
}

// Real worker threads: the change reaches the owner's inbox without any
// test-driven step, through the relay's and the workers' wake-ups (their
// polls are an hour apart).
class PipelineWithWorkersTest : public PipelineTest {
 protected:
  PipelineWithWorkersTest() {
    jobs_options_.workers.workers = 2;
    jobs_options_.workers.poll_interval = absl::Hours(1);
  }
};

TEST_F(PipelineWithWorkersTest, AStatusChangeReachesTheOwnerWithinMoments) {
  auto ticket = CreateTicket(user_a_);
  ASSERT_THAT(ticket, IsOk());
  const absl::Time start = absl::Now();
  ASSERT_THAT(SetStatus(admin_a_, ticket->id(), Ticket::IN_PROGRESS), IsOk());
  std::vector<Notification> inbox;
  WaitFor(
      [&] {
        inbox = Notifications(user_a_);
        return !inbox.empty();
      },
      absl::Seconds(20), absl::Milliseconds(2));
  ASSERT_THAT(inbox, SizeIs(1));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(inbox[0].subject(), "Your ticket is in progress: Printer on fire");
}

// Notification on its own server, which the tests take down.
class NotificationOutageTest : public PipelineTest {
 protected:
  NotificationOutageTest() {
    notification_on_own_server_ = true;
    jobs_options_.workers.retry = {absl::Seconds(1), absl::Seconds(30)};
    jobs_options_.service.default_max_attempts = 5;
  }
};

TEST_F(NotificationOutageTest,
       JobsRetryThenDieAndARetryAfterwardsDeliversOnce) {
  auto ticket = CreateTicket(user_a_);
  ASSERT_THAT(ticket, IsOk());
  StopNotification();
  ASSERT_THAT(SetStatus(admin_a_, ticket->id(), Ticket::RESOLVED), IsOk());
  DeliverOutboxes();

  const int max_attempts = jobs_options_.service.default_max_attempts;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    ASSERT_EQ(RunJobs(), 1) << "attempt " << attempt;
    const Job job = OnlyJob("ticket.status_changed");
    EXPECT_EQ(job.attempts(), attempt);
    EXPECT_THAT(job.last_error(), HasSubstr("UNAVAILABLE"));
    if (attempt < max_attempts) {
      EXPECT_EQ(job.state(), Job::QUEUED);
      clock_.Advance(absl::Seconds(30));  // past any backoff
    } else {
      EXPECT_EQ(job.state(), Job::DEAD);
    }
  }
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(RunJobs(), 0);

  StartNotification();
  ASSERT_TRUE(WaitForNotificationChannel());
  SignIn();
  const Job dead = OnlyJob("ticket.status_changed");
  auto retried = RetryJob(admin_a_, dead.id());
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->state(), Job::QUEUED);
  EXPECT_EQ(retried->attempts(), 0);
  EXPECT_THAT(retried->last_error(), HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(RunJobs(), 0);

  const Job done = OnlyJob("ticket.status_changed");
  EXPECT_EQ(done.state(), Job::SUCCEEDED);
  EXPECT_EQ(done.attempts(), 1);
  std::vector<Notification> inbox = Notifications(user_a_);
  ASSERT_THAT(inbox, SizeIs(1));
  EXPECT_EQ(inbox[0].source_job_id(), done.id());
  // Retrying a job that succeeded is refused: it cannot notify twice.
  EXPECT_THAT(
      RetryJob(admin_a_, done.id()),
      helpdesk::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The defaults (retry schedule and attempts) against a long outage.
class LongNotificationOutageTest : public PipelineTest {
 protected:
  LongNotificationOutageTest() { notification_on_own_server_ = true; }

  // Runs what is due every `step` of clock time for `span`, checking that
  // no job goes DEAD meanwhile.
  void RunFor(absl::Duration span, absl::Duration step) {
    for (absl::Duration run; run < span; run += step) {
      clock_.Advance(step);
      RunJobs();
      if (HasFailure()) return;
    }
  }
};

TEST_F(LongNotificationOutageTest,
       TwelveHoursDownLosesNothingDuplicatesNothingAndKillsNothing) {
  StopNotification();
  // 100 status-change jobs fall due during the outage, 10 every 72 minutes.
  std::set<int64_t> job_ids;
  for (int batch = 0; batch < 10; ++batch) {
    for (int i = 0; i < 10; ++i) {
      v1::TicketStatusChangedPayload payload;
      payload.set_ticket_id(1000 + batch * 10 + i);
      payload.set_requester_id(user_a_.id);
      payload.set_ticket_title("Printer on fire");
      payload.set_old_status(Ticket::OPEN);
      payload.set_new_status(Ticket::RESOLVED);
      auto job = Enqueue(JobRequest("ticket.status_changed", payload,
                                    absl::StrCat("outage-", batch, "-", i)));
      ASSERT_THAT(job, IsOk());
      job_ids.insert(job->id());
    }
    RunFor(absl::Minutes(72), absl::Minutes(1));
  }
  ASSERT_EQ(job_ids.size(), 100u);
  SignIn();  // the sessions did not outlive twelve hours
  auto dead = ListJobs(admin_a_, Job::DEAD);
  ASSERT_THAT(dead, IsOk());
  EXPECT_THAT(dead->jobs(), IsEmpty());
  // They did try, and the first ones many times.
  int most_attempts = 0;
  v1::ListJobsRequest queued;
  queued.set_state(Job::QUEUED);
  queued.set_page_size(100);
  auto waiting = Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, queued,
                      admin_a_.token);
  ASSERT_THAT(waiting, IsOk());
  EXPECT_EQ(waiting->jobs_size(), 100);
  for (const Job& job : waiting->jobs()) {
    EXPECT_GE(job.attempts(), 1);
    EXPECT_THAT(job.last_error(), HasSubstr("UNAVAILABLE"));
    most_attempts = std::max(most_attempts, job.attempts());
  }
  EXPECT_GE(most_attempts, 10);

  StartNotification();
  ASSERT_TRUE(WaitForNotificationChannel());
  // Every job comes due again within its current wait (at most 13^4 s).
  RunFor(absl::Hours(9), absl::Minutes(5));
  SignIn();
  for (Job::State state : {Job::DEAD, Job::QUEUED, Job::RUNNING}) {
    auto jobs = ListJobs(admin_a_, state);
    ASSERT_THAT(jobs, IsOk());
    EXPECT_THAT(jobs->jobs(), IsEmpty()) << Job::State_Name(state);
  }
  // Exactly one notification per job.
  std::multiset<int64_t> sources;
  notifications::v1::ListNotificationsRequest request;
  request.set_page_size(100);
  do {
    auto page =
        Call(notification_stub_.get(),
             &notifications::v1::NotificationService::Stub::ListNotifications,
             request, user_a_.token);
    ASSERT_THAT(page, IsOk());
    for (const auto& notification : page->notifications()) {
      sources.insert(notification.source_job_id());
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(sources.size(), 100u);
  EXPECT_EQ(std::set<int64_t>(sources.begin(), sources.end()), job_ids);
}

}  // namespace
}  // namespace helpdesk::jobs
