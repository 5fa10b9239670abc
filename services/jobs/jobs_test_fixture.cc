#include "services/jobs/jobs_test_fixture.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::jobs {

using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;

JobsFixture::JobsFixture() {
  cluster_options_.auth.service.rate_limits = false;
  cluster_options_.ticket.service.rate_limits = false;
}

void JobsFixture::SetUp() {
  if (notification_on_own_server_) {
    cluster_options_.own_server = {kNotification};
  }
  ClusterTest::SetUp();
  if (cluster_ == nullptr) return;
  jobs_ = cluster_->jobs();
  channel_ = channel();
  ticket_stub_ = TicketService::NewStub(channel_);
  jobs_stub_ = v1::JobService::NewStub(channel_);
  notification_stub_ =
      NotificationService::NewStub(cluster_->Channel(kNotification));
}

void JobsFixture::StartNotification() {
  ASSERT_THAT(cluster_->StartService(kNotification), IsOk());
  notification_stub_ =
      NotificationService::NewStub(cluster_->Channel(kNotification));
}

void JobsFixture::StopNotification() {
  ASSERT_THAT(cluster_->StopService(kNotification), IsOk());
}

bool JobsFixture::WaitForNotificationChannel() {
  return cluster_->peers().notification->WaitForConnected(
      absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
}

void JobsFixture::DeliverAndRunJobs() {
  DeliverOutboxes();
  RunJobs();
}

absl::StatusOr<Ticket> JobsFixture::CreateTicket(const TestUser& owner,
                                                 const std::string& title) {
  tickets::v1::CreateTicketRequest request;
  request.mutable_ticket()->set_title(title);
  request.mutable_ticket()->set_body("Smoke comes out of the paper tray");
  return Call(ticket_stub_.get(), &TicketService::Stub::CreateTicket, request,
              owner.token);
}

absl::StatusOr<Ticket> JobsFixture::SetStatus(const TestUser& admin,
                                              int64_t ticket_id,
                                              Ticket::Status status) {
  tickets::v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_id(ticket_id);
  request.mutable_ticket()->set_status(status);
  request.mutable_update_mask()->add_paths("status");
  return Call(ticket_stub_.get(), &TicketService::Stub::UpdateTicket, request,
              admin.token);
}

absl::StatusOr<Ticket> JobsFixture::Assign(const TestUser& admin,
                                           int64_t ticket_id,
                                           int64_t assignee_id) {
  tickets::v1::AssignTicketRequest request;
  request.set_id(ticket_id);
  request.set_assignee_id(assignee_id);
  return Call(ticket_stub_.get(), &TicketService::Stub::AssignTicket, request,
              admin.token);
}

std::vector<notifications::v1::Notification> JobsFixture::Notifications(
    const TestUser& user) {
  notifications::v1::ListNotificationsRequest request;
  request.set_page_size(1000);
  auto response =
      Call(notification_stub_.get(),
           &NotificationService::Stub::ListNotifications, request, user.token);
  EXPECT_THAT(response, IsOk());
  if (!response.ok()) return {};
  return {response->notifications().begin(), response->notifications().end()};
}

absl::StatusOr<v1::ListJobsResponse> JobsFixture::ListJobs(
    const TestUser& admin, v1::Job::State state) {
  v1::ListJobsRequest request;
  request.set_state(state);
  request.set_page_size(1000);
  return Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, request,
              admin.token);
}

absl::StatusOr<v1::Job> JobsFixture::GetJob(const TestUser& admin, int64_t id) {
  v1::GetJobRequest request;
  request.set_id(id);
  return Call(jobs_stub_.get(), &v1::JobService::Stub::GetJob, request,
              admin.token);
}

absl::StatusOr<v1::Job> JobsFixture::RetryJob(const TestUser& admin,
                                              int64_t id) {
  v1::RetryJobRequest request;
  request.set_id(id);
  return Call(jobs_stub_.get(), &v1::JobService::Stub::RetryJob, request,
              admin.token);
}

absl::StatusOr<v1::RunEscalationSweepResponse> JobsFixture::RunSweep(
    const TestUser& admin) {
  return Call(jobs_stub_.get(), &v1::JobService::Stub::RunEscalationSweep,
              v1::RunEscalationSweepRequest(), admin.token);
}

absl::StatusOr<v1::Job> JobsFixture::Enqueue(
    const v1::EnqueueJobRequest& request, const std::string& token,
    bool as_service) {
  return Call(jobs_stub_.get(), &v1::JobService::Stub::EnqueueJob, request,
              token, as_service);
}

}  // namespace helpdesk::jobs
