#include "services/helpdeskd/helpdeskd.h"

#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace helpdesk {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::testing::Subprocess;
using ::helpdesk::testing::WaitFor;

bool IsServing(int port) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return health->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

// helpdeskd on free ports with its data in `dir`.
HelpdeskdOptions TestOptions(const helpdesk::testing::TempDir& dir) {
  HelpdeskdOptions options;
  options.data_dir = dir.File("data");
  options.grpc_port = 0;
  options.http_port = 0;
  return options;
}

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

// A session token for a demo account (password demo123).
std::string DemoLogin(const std::shared_ptr<grpc::Channel>& channel,
                      const std::string& email) {
  auto stub = helpdesk::auth::v1::AuthService::NewStub(channel);
  helpdesk::auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password("demo123");
  helpdesk::auth::v1::LoginResponse session;
  grpc::ClientContext context;
  EXPECT_TRUE(stub->Login(&context, request, &session).ok()) << email;
  return session.session_token();
}

TEST(HelpdeskdTest, StartsOnAFreePortAndCreatesTheDataDirectory) {
  helpdesk::testing::TempDir dir;
  HelpdeskdOptions options;
  options.data_dir = dir.File("nested/data");
  options.grpc_port = 0;
  options.http_port = 0;
  auto daemon = Helpdeskd::Start(options);
  ASSERT_THAT(daemon, IsOk());
  EXPECT_TRUE(std::filesystem::is_directory(options.data_dir));
  EXPECT_TRUE(IsServing((*daemon)->grpc_port()));
}

TEST(HelpdeskdTest, DemoAccountsCanSignInAndSeeThemselves) {
  helpdesk::testing::TempDir dir;
  HelpdeskdOptions options = TestOptions(dir);
  auto daemon = Helpdeskd::Start(options);
  ASSERT_THAT(daemon, IsOk());
  auto channel = ChannelTo((*daemon)->grpc_port());
  auto stub = helpdesk::auth::v1::AuthService::NewStub(channel);
  const std::string token = DemoLogin(channel, "admina@example.com");
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  helpdesk::auth::v1::User me;
  ASSERT_TRUE(stub->GetCurrentUser(&context,
                                   helpdesk::auth::v1::GetCurrentUserRequest(),
                                   &me)
                  .ok());
  EXPECT_EQ(me.email(), "admina@example.com");
  EXPECT_EQ(me.role(), helpdesk::auth::v1::User::ADMIN);

  // Every signed-in user has an inbox.
  {
    auto notifications =
        helpdesk::notifications::v1::NotificationService::NewStub(channel);
    grpc::ClientContext count_context;
    count_context.AddMetadata("authorization", "Bearer " + token);
    helpdesk::notifications::v1::GetUnreadCountResponse count;
    ASSERT_TRUE(notifications->GetUnreadCount(&count_context, {}, &count).ok());
    EXPECT_EQ(count.count(), 0);
  }

  // The login reaches the audit trail through auth's outbox, delivered over
  // loopback within this process.
  auto audit = helpdesk::audit::v1::AuditService::NewStub(channel);
  helpdesk::audit::v1::ListAuditEventsRequest request;
  request.set_action("user.login");
  request.set_actor_id(me.id());
  int found = 0;
  grpc::Status listed;
  // Delivery is asynchronous (the relay is woken at commit): poll briefly.
  WaitFor(
      [&] {
        grpc::ClientContext list_context;
        list_context.AddMetadata("authorization", "Bearer " + token);
        helpdesk::audit::v1::ListAuditEventsResponse events;
        listed = audit->ListAuditEvents(&list_context, request, &events);
        found = events.audit_events_size();
        return !listed.ok() || found > 0;
      },
      absl::Seconds(5), absl::Milliseconds(25));
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(found, 1);
}

TEST(HelpdeskdTest, DemoTicketsAreSeededOnceAndVisibleToTheirOwners) {
  helpdesk::testing::TempDir dir;
  HelpdeskdOptions options = TestOptions(dir);
  for (int start = 0; start < 2; ++start) {
    auto daemon = Helpdeskd::Start(options);
    ASSERT_THAT(daemon, IsOk());
    auto channel = ChannelTo((*daemon)->grpc_port());
    auto tickets = helpdesk::tickets::v1::TicketService::NewStub(channel);
    auto list = [&](const std::string& email) {
      grpc::ClientContext context;
      context.AddMetadata("authorization",
                          "Bearer " + DemoLogin(channel, email));
      helpdesk::tickets::v1::ListTicketsResponse response;
      EXPECT_TRUE(tickets->ListTickets(&context, {}, &response).ok());
      return response.total_size();
    };
    EXPECT_EQ(list("admina@example.com"), 24);
    EXPECT_EQ(list("usera@example.com"), 6);
  }
}

// The whole pipeline in one process: a ticket change goes through the
// ticket outbox to the job queue, a worker fans it out, and the right people
// find it in their inbox exactly once; the escalation sweep does the same.
TEST(HelpdeskdTest, AssignmentAndEscalationReachTheRightInboxes) {
  helpdesk::testing::TempDir dir;
  HelpdeskdOptions options = TestOptions(dir);
  options.sweep_interval = absl::Hours(1);  // the test sweeps by hand
  auto daemon = Helpdeskd::Start(options);
  ASSERT_THAT(daemon, IsOk());
  auto channel = ChannelTo((*daemon)->grpc_port());
  auto login = [&](const std::string& email) {
    return DemoLogin(channel, email);
  };
  auto unread = [&](const std::string& token) {
    auto stub =
        helpdesk::notifications::v1::NotificationService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    helpdesk::notifications::v1::GetUnreadCountResponse count;
    EXPECT_TRUE(stub->GetUnreadCount(&context, {}, &count).ok());
    return count.count();
  };
  // Delivery is asynchronous; wait (bounded) until `token` has `expected`,
  // then make sure no duplicate follows.
  auto expect_unread = [&](const std::string& token, int64_t expected) {
    WaitFor([&] { return unread(token) >= expected; }, absl::Seconds(10),
            absl::Milliseconds(25));
    absl::SleepFor(absl::Milliseconds(200));
    EXPECT_EQ(unread(token), expected);
  };
  const std::string admin_a = login("admina@example.com");
  const std::string admin_b = login("adminb@example.com");

  // Demo data: two overdue OPEN tickets, one unassigned (every admin hears),
  // one assigned to Admin A.
  auto jobs = helpdesk::jobs::v1::JobService::NewStub(channel);
  grpc::ClientContext sweep_context;
  sweep_context.AddMetadata("authorization", "Bearer " + admin_a);
  helpdesk::jobs::v1::RunEscalationSweepResponse sweep;
  ASSERT_TRUE(jobs->RunEscalationSweep(&sweep_context, {}, &sweep).ok());
  EXPECT_EQ(sweep.escalated_count(), 2);
  expect_unread(admin_a, 2);
  expect_unread(admin_b, 1);

  // Admin A assigns a ticket to Admin B: B hears once.
  auto tickets = helpdesk::tickets::v1::TicketService::NewStub(channel);
  grpc::ClientContext assign_context;
  assign_context.AddMetadata("authorization", "Bearer " + admin_a);
  helpdesk::tickets::v1::AssignTicketRequest assign;
  assign.set_id(3);
  assign.set_assignee_id(2);
  helpdesk::tickets::v1::Ticket assigned;
  ASSERT_TRUE(tickets->AssignTicket(&assign_context, assign, &assigned).ok());
  expect_unread(admin_b, 2);
  expect_unread(admin_a, 2);
}

// A browser's path through the embedded gateway: sign in with a cookie,
// list own tickets as JSON, and be refused what an admin may do.
TEST(HelpdeskdTest, GatewayServesTheJsonApiWithSessionCookies) {
  helpdesk::testing::TempDir dir;
  HelpdeskdOptions options = TestOptions(dir);
  auto daemon = Helpdeskd::Start(options);
  ASSERT_THAT(daemon, IsOk());
  helpdesk::gateway::testing::TestHttpClient http((*daemon)->http_port());
  auto login =
      http.Send("POST", "/v1/auth/login",
                R"({"email":"usera@example.com","password":"demo123"})",
                {{"Content-Type", "application/json"}});
  ASSERT_THAT(login, IsOk());
  ASSERT_EQ(login->status, 200) << login->body;
  auto cookie = login->Header("set-cookie");
  ASSERT_TRUE(cookie.has_value());
  EXPECT_THAT(*cookie, ::testing::HasSubstr("HttpOnly"));
  EXPECT_THAT(login->body,
              ::testing::Not(::testing::HasSubstr("sessionToken")));
  const std::string sid = cookie->substr(0, cookie->find(';'));

  auto mine = http.Send("GET", "/v1/tickets?pageSize=2", "", {{"Cookie", sid}});
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(mine->status, 200);
  EXPECT_THAT(mine->body, ::testing::HasSubstr(R"("totalSize":6)"));
  EXPECT_THAT(mine->body, ::testing::HasSubstr("nextPageToken"));

  auto audit = http.Send("GET", "/v1/auditEvents", "", {{"Cookie", sid}});
  ASSERT_THAT(audit, IsOk());
  EXPECT_EQ(audit->status, 403);
  auto anonymous = http.Send("GET", "/v1/tickets");
  ASSERT_THAT(anonymous, IsOk());
  EXPECT_EQ(anonymous->status, 401);
}

TEST(HelpdeskdTest, DataDirectoryThatIsAFileIsRefused) {
  helpdesk::testing::TempDir dir;
  const std::string file = dir.File("not-a-dir");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  HelpdeskdOptions options;
  options.data_dir = file + "/data";
  options.grpc_port = 0;
  options.http_port = 0;
  EXPECT_THAT(Helpdeskd::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The command-line contract scripts rely on: flags, the grpc_port line once
// ready, and a clean exit on SIGTERM.
TEST(HelpdeskdBinaryTest, PrintsItsPortServesAndStopsCleanlyOnSigterm) {
  helpdesk::testing::TempDir dir;
  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/helpdeskd/helpdeskd"),
       "--data_dir=" + dir.File("data"), "--grpc_port=0", "--http_port=0",
       "--bind_address=127.0.0.1", "--seed_demo=false", "--escalate_after=1h",
       "--sweep_interval=5s", "--rate_limits=false"});
  ASSERT_THAT(process, IsOk());
  auto port_text = (*process)->WaitForLine("grpc_port=", absl::Seconds(30));
  ASSERT_THAT(port_text, IsOk());
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*port_text, &port)) << *port_text;
  EXPECT_TRUE(IsServing(port));
  auto http_text = (*process)->WaitForLine("http_port=", absl::Seconds(30));
  ASSERT_THAT(http_text, IsOk());
  int http_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*http_text, &http_port)) << *http_text;
  helpdesk::gateway::testing::TestHttpClient http(http_port);
  auto health = http.Send("GET", "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);

  (*process)->Signal(SIGTERM);
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
}

TEST(HelpdeskdTest, LogoutIsRefusedOnTheNextCallOverGrpc) {
  helpdesk::testing::TempDir dir;
  auto daemon = Helpdeskd::Start(TestOptions(dir));
  ASSERT_THAT(daemon, IsOk());
  auto channel = ChannelTo((*daemon)->grpc_port());
  const std::string token = DemoLogin(channel, "usera@example.com");
  auto tickets = helpdesk::tickets::v1::TicketService::NewStub(channel);
  auto auth = helpdesk::auth::v1::AuthService::NewStub(channel);
  const auto list = [&] {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    helpdesk::tickets::v1::ListTicketsResponse response;
    return tickets->ListTickets(&context, {}, &response).error_code();
  };
  const auto me = [&] {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    helpdesk::auth::v1::User user;
    return auth->GetCurrentUser(&context, {}, &user).error_code();
  };
  // Both cached in the process's token cache now.
  ASSERT_EQ(list(), grpc::StatusCode::OK);
  ASSERT_EQ(me(), grpc::StatusCode::OK);
  grpc::ClientContext logout;
  logout.AddMetadata("authorization", "Bearer " + token);
  helpdesk::auth::v1::LogoutResponse ended;
  ASSERT_TRUE(auth->Logout(&logout, {}, &ended).ok());
  EXPECT_EQ(list(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(me(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(HelpdeskdTest, LogoutIsRefusedOnTheNextRequestThroughTheGateway) {
  helpdesk::testing::TempDir dir;
  auto daemon = Helpdeskd::Start(TestOptions(dir));
  ASSERT_THAT(daemon, IsOk());
  helpdesk::gateway::testing::TestHttpClient http((*daemon)->http_port());
  const std::vector<std::pair<std::string, std::string>> json = {
      {"Content-Type", "application/json"}};
  auto login =
      http.Send("POST", "/v1/auth/login",
                R"({"email":"usera@example.com","password":"demo123"})", json);
  ASSERT_THAT(login, IsOk());
  ASSERT_EQ(login->status, 200) << login->body;
  auto cookie = login->Header("set-cookie");
  ASSERT_TRUE(cookie.has_value());
  const std::string sid = cookie->substr(0, cookie->find(';'));
  const std::vector<std::pair<std::string, std::string>> signed_in = {
      {"Cookie", sid}};
  auto before = http.Send("GET", "/v1/tickets", "", signed_in);
  ASSERT_THAT(before, IsOk());
  ASSERT_EQ(before->status, 200) << before->body;
  auto logout =
      http.Send("POST", "/v1/auth/logout", "{}", {{"Cookie", sid}, json[0]});
  ASSERT_THAT(logout, IsOk());
  ASSERT_EQ(logout->status, 200) << logout->body;
  for (const char* path : {"/v1/tickets", "/v1/auth/me"}) {
    auto after = http.Send("GET", path, "", signed_in);
    ASSERT_THAT(after, IsOk());
    EXPECT_EQ(after->status, 401) << path << ": " << after->body;
  }
}

TEST(HelpdeskdBinaryTest, UnknownFlagIsRejected) {
  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/helpdeskd/helpdeskd"),
       "--no_such_flag=1"});
  ASSERT_THAT(process, IsOk());
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_NE(*exit_code, 0);
}

}  // namespace
}  // namespace helpdesk
