// The jobs_server binary's command-line contract: flags, the grpc_port
// line, the shared service credential from a file, callers resolved through
// a real auth service, jobs run against a real notification service, and
// a clean SIGTERM exit.
#include <signal.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;
using ::helpdesk::jobs::v1::JobService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::Subprocess;
using ::helpdesk::testing::WaitFor;

constexpr const char* kServiceToken = helpdesk::testing::kClusterServiceToken;

TEST(JobsServerTest, RunsJobsWithTheSharedCredentialAndStopsOnSigterm) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << kServiceToken << "\n";

  // Auth and notification, in this process.
  RealClock clock;
  helpdesk::testing::ClusterOptions options;
  options.services = {helpdesk::testing::Service::kAuth,
                      helpdesk::testing::Service::kNotification};
  auto peers =
      helpdesk::testing::Cluster::Start(options, &clock, dir.path().string());
  ASSERT_THAT(peers, IsOk());
  const std::string peers_target =
      absl::StrCat("127.0.0.1:",
                   (*peers)->server(helpdesk::testing::Service::kAuth)->port());
  auto peers_channel = (*peers)->Channel();

  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/jobs/jobs_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file,
       "--auth_target=" + peers_target, "--notification_target=" + peers_target,
       "--ticket_target=127.0.0.1:1", "--audit_target=127.0.0.1:1",
       "--jobs_target=127.0.0.1:1", "--workers=2", "--sweep_interval=1h"});
  ASSERT_THAT(process, IsOk());
  auto port_text = (*process)->WaitForLine("grpc_port=", absl::Seconds(30));
  ASSERT_THAT(port_text, IsOk());
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*port_text, &port));
  auto jobs = JobService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  auth::v1::LoginResponse user;
  auth::v1::LoginResponse admin;
  for (auto [email, session] : {std::pair{"usera@example.com", &user},
                                std::pair{"admina@example.com", &admin}}) {
    auto stub = auth::v1::AuthService::NewStub(peers_channel);
    grpc::ClientContext context;
    auth::v1::LoginRequest login;
    login.set_email(email);
    login.set_password("demo123");
    ASSERT_TRUE(stub->Login(&context, login, session).ok());
  }

  v1::TicketStatusChangedPayload payload;
  payload.set_ticket_id(3);
  payload.set_ticket_title("Printer on fire");
  payload.set_requester_id(user.user().id());
  payload.set_old_status(tickets::v1::Ticket::OPEN);
  payload.set_new_status(tickets::v1::Ticket::RESOLVED);
  v1::EnqueueJobRequest enqueue;
  enqueue.set_type("ticket.status_changed");
  enqueue.mutable_payload()->PackFrom(payload);
  enqueue.set_dedupe_key("binary-test/1");
  Job job;
  {
    grpc::ClientContext context;
    context.AddMetadata("x-helpdesk-service-token", "some-other-secret");
    EXPECT_EQ(jobs->EnqueueJob(&context, enqueue, &job).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("x-helpdesk-service-token", kServiceToken);
    ASSERT_TRUE(jobs->EnqueueJob(&context, enqueue, &job).ok());
  }

  // The workers deliver it to the owner's inbox.
  auto notifications =
      notifications::v1::NotificationService::NewStub(peers_channel);
  notifications::v1::ListNotificationsResponse inbox;
  grpc::Status listed;
  WaitFor([&] {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + user.session_token());
    listed = notifications->ListNotifications(&context, {}, &inbox);
    return !listed.ok() || inbox.notifications_size() > 0;
  });
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(inbox.notifications_size(), 1);
  EXPECT_EQ(inbox.notifications(0).source_job_id(), job.id());

  // Admins see it through the binary (tokens resolved by auth).
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin.session_token());
    v1::GetJobRequest get;
    get.set_id(job.id());
    Job seen;
    ASSERT_TRUE(jobs->GetJob(&context, get, &seen).ok());
    EXPECT_EQ(seen.dedupe_key(), "binary-test/1");
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + user.session_token());
    v1::ListJobsResponse listed;
    EXPECT_EQ(jobs->ListJobs(&context, {}, &listed).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  (*process)->Signal(SIGTERM);
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
}

TEST(JobsServerTest, RefusesAWeakServiceTokenFile) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << "short";
  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/jobs/jobs_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file});
  ASSERT_THAT(process, IsOk());
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 1);
}

}  // namespace
}  // namespace helpdesk::jobs
