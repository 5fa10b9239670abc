#include "services/jobs/jobs_test_fixture.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/auth/principal.h"
#include "libs/clients/call_context.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/free_port.h"

namespace helpdesk::jobs {

using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::tickets::v1::Ticket;
using ::helpdesk::tickets::v1::TicketService;

JobsFixture::JobsFixture() {
  jobs_options_.service_token = kServiceToken;
  jobs_options_.service.page_token_key = "page-key";
  jobs_options_.workers.workers = 0;
  jobs_options_.workers.poll_interval = absl::Milliseconds(100);
  jobs_options_.escalation.sweep_interval = absl::ZeroDuration();
}

void JobsFixture::SetUp() {
  const std::string dir = dir_.path().string();
  auth::AuthComponentOptions auth_options;
  auth_options.data_dir = dir;
  auth_options.service_token = kServiceToken;
  auth_options.service.argon2 = {64, 1, 1};
  auth_options.service.rate_limits = false;
  auth_options.service.page_token_key = "page-key";
  auto auth = auth::AuthComponent::Create(auth_options, &clock_);
  ASSERT_THAT(auth, IsOk());
  auth_ = std::move(*auth);

  auto audit =
      audit::AuditComponent::Create({dir, kServiceToken, "page-key"}, &clock_);
  ASSERT_THAT(audit, IsOk());
  audit_ = std::move(*audit);

  ticket::TicketComponentOptions ticket_options;
  ticket_options.data_dir = dir;
  ticket_options.service_token = kServiceToken;
  ticket_options.service.rate_limits = false;
  ticket_options.service.page_token_key = "page-key";
  auto tickets = ticket::TicketComponent::Create(ticket_options, &clock_);
  ASSERT_THAT(tickets, IsOk());
  tickets_ = std::move(*tickets);

  jobs_options_.data_dir = dir;
  auto jobs = JobsComponent::Create(jobs_options_, &clock_);
  ASSERT_THAT(jobs, IsOk());
  jobs_ = std::move(*jobs);

  std::vector<grpc::Service*> services = {auth_->service(), audit_->service(),
                                          tickets_->service(),
                                          jobs_->service()};
  if (notification_on_own_server_) {
    notification_port_ = helpdesk::testing::PickUnusedPort();
    StartNotification();
  } else {
    notification::NotificationComponentOptions options;
    options.data_dir = dir;
    options.service_token = kServiceToken;
    options.service.page_token_key = "page-key";
    auto notification = notification::NotificationComponent::Create(
        options, &clock_, auth_->token_resolver());
    ASSERT_THAT(notification, IsOk());
    notification_ = std::move(*notification);
    services.push_back(notification_->service());
  }

  rpc::ServerOptions options;
  options.interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(
      auth_->token_resolver(), kServiceToken));
  auto server = rpc::RpcServer::Start(std::move(options), services);
  ASSERT_THAT(server, IsOk());
  server_ = std::move(*server);
  auto internal = server_->InProcessChannel();
  notification_channel_ =
      notification_on_own_server_
          ? clients::PeerChannel(absl::StrCat("127.0.0.1:", notification_port_))
          : internal;
  ASSERT_THAT(auth_->StartBackgroundWork(internal), IsOk());
  ASSERT_THAT(tickets_->StartBackgroundWork({internal, internal, internal}),
              IsOk());
  ASSERT_THAT(
      jobs_->StartBackgroundWork({internal, internal, notification_channel_}),
      IsOk());

  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                 grpc::InsecureChannelCredentials());
  ticket_stub_ = TicketService::NewStub(channel_);
  jobs_stub_ = v1::JobService::NewStub(channel_);
  notification_stub_ = NotificationService::NewStub(
      notification_on_own_server_
          ? grpc::CreateChannel(absl::StrCat("127.0.0.1:", notification_port_),
                                grpc::InsecureChannelCredentials())
          : channel_);
}

void JobsFixture::TearDown() {
  // Background work first: it calls services over the in-process channel.
  if (jobs_ != nullptr) jobs_->StopBackgroundWork();
  if (tickets_ != nullptr) tickets_->StopBackgroundWork();
  if (auth_ != nullptr) auth_->StopBackgroundWork();
  if (notification_ != nullptr) notification_->StopWatches();
  if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
  StopNotification();
  jobs_.reset();
  notification_.reset();
  tickets_.reset();
  audit_.reset();
  auth_.reset();
}

void JobsFixture::StartNotification() {
  notification::NotificationComponentOptions options;
  options.data_dir = dir_.path().string();
  options.service_token = kServiceToken;
  options.service.page_token_key = "page-key";
  auto notification = notification::NotificationComponent::Create(
      options, &clock_, auth_->token_resolver());
  ASSERT_THAT(notification, IsOk());
  notification_ = std::move(*notification);
  rpc::ServerOptions server_options;
  server_options.port = notification_port_;
  auto server = notification_->Serve(std::move(server_options));
  ASSERT_THAT(server, IsOk());
  notification_server_ = std::move(*server);
}

void JobsFixture::StopNotification() {
  if (notification_server_ == nullptr) return;
  notification_->StopWatches();
  notification_server_->Shutdown(absl::ZeroDuration());
  notification_server_.reset();
  notification_.reset();
}

bool JobsFixture::WaitForNotificationChannel() {
  return notification_channel_->WaitForConnected(
      absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
}

TestUser JobsFixture::Login(const std::string& email) {
  auto stub = auth::v1::AuthService::NewStub(channel_);
  grpc::ClientContext context;
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password("demo123");
  auth::v1::LoginResponse response;
  EXPECT_TRUE(stub->Login(&context, request, &response).ok()) << email;
  return TestUser{response.user().id(), response.session_token()};
}

void JobsFixture::Authorize(grpc::ClientContext& context,
                            const std::string& token, bool as_service) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (as_service) context.AddMetadata(auth::kServiceTokenKey, kServiceToken);
}

void JobsFixture::DeliverOutboxes() {
  for (int round = 0; round < 3; ++round) {
    ASSERT_THAT(auth_->relay()->RunOnce(), IsOk());
    ASSERT_THAT(tickets_->relay()->RunOnce(), IsOk());
  }
}

int JobsFixture::RunJobs() {
  auto ran = jobs_->workers()->RunUntilIdle();
  EXPECT_THAT(ran, IsOk());
  return ran.ok() ? *ran : -1;
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
