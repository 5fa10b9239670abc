// The notification_server binary's command-line contract: flags, the
// grpc_port line, tokens resolved through a real auth service, the shared
// service credential from a file, and a clean SIGTERM exit that ends open
// watch streams.
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
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "services/notification/notification_test_fixture.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::notifications::v1::CreateNotificationRequest;
using ::helpdesk::notifications::v1::GetUnreadCountRequest;
using ::helpdesk::notifications::v1::GetUnreadCountResponse;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::Subprocess;

constexpr const char* kServiceToken = helpdesk::testing::kClusterServiceToken;

TEST(NotificationServerTest, ServesSignedInUsersAndStopsOnSigterm) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << kServiceToken << "\n";

  RealClock clock;
  auto auth =
      helpdesk::testing::Cluster::Start({}, &clock, dir.path().string());
  ASSERT_THAT(auth, IsOk());
  const std::string auth_target = absl::StrCat(
      "127.0.0.1:", (*auth)->server(helpdesk::testing::Service::kAuth)->port());

  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath(
           "services/notification/notification_server"),
       "--port=0", "--data_dir=" + dir.File("data"),
       "--service_token_file=" + token_file, "--auth_target=" + auth_target,
       "--ticket_target=127.0.0.1:1", "--audit_target=127.0.0.1:1",
       "--notification_target=127.0.0.1:1", "--jobs_target=127.0.0.1:1",
       "--shutdown_grace=30s"});
  ASSERT_THAT(process, IsOk());
  auto port_text = (*process)->WaitForLine("grpc_port=", absl::Seconds(30));
  ASSERT_THAT(port_text, IsOk());
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*port_text, &port));
  auto stub = NotificationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  auth::v1::LoginResponse session;
  {
    auto auth_stub = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(auth_target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    auth::v1::LoginRequest login;
    login.set_email("userb@example.com");
    login.set_password("demo123");
    ASSERT_TRUE(auth_stub->Login(&context, login, &session).ok());
  }

  TestWatch watch(stub.get(), session.session_token());
  auto opening = watch.Next(absl::Seconds(30));
  ASSERT_TRUE(opening.has_value());
  EXPECT_TRUE(opening->has_heartbeat());

  CreateNotificationRequest create;
  create.mutable_notification()->set_user_id(session.user().id());
  create.mutable_notification()->set_subject("Status changed");
  create.mutable_notification()->set_message("Ticket #3 is RESOLVED.");
  create.mutable_notification()->set_source_job_id(12);
  {
    grpc::ClientContext context;
    context.AddMetadata("x-helpdesk-service-token", "some-other-secret");
    Notification created;
    EXPECT_EQ(stub->CreateNotification(&context, create, &created).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("x-helpdesk-service-token", kServiceToken);
    Notification created;
    ASSERT_TRUE(stub->CreateNotification(&context, create, &created).ok());
  }
  auto delivered = watch.Next(absl::Seconds(30));
  ASSERT_TRUE(delivered.has_value());
  EXPECT_TRUE(delivered->has_notification());
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + session.session_token());
    GetUnreadCountResponse count;
    ASSERT_TRUE(
        stub->GetUnreadCount(&context, GetUnreadCountRequest(), &count).ok());
    EXPECT_EQ(count.count(), 1);
  }

  (*process)->Signal(SIGTERM);
  auto ended = watch.WaitForEnd(absl::Seconds(30));
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAVAILABLE);
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
}

TEST(NotificationServerTest, RefusesAWeakServiceTokenFile) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << "short";
  auto process =
      Subprocess::Start({helpdesk::testing::RunfilePath(
                             "services/notification/notification_server"),
                         "--port=0", "--data_dir=" + dir.File("data"),
                         "--service_token_file=" + token_file});
  ASSERT_THAT(process, IsOk());
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 1);
}

}  // namespace
}  // namespace helpdesk::notification
