// Server-Sent Events end to end: the real notification service's
// WatchNotifications stream through the gateway to a real HTTP client.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "gateway/testing/gateway_cluster.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr int64_t kUserA = 3;  // usera@example.com among the demo accounts

class SseEndToEndTest : public GatewayClusterTest {
 protected:
  SseEndToEndTest() : GatewayClusterTest({kAuth, kNotification}) {
    cluster_options_.notification.watch = {};  // the service's defaults
  }

  void SetUp() override {
    GatewayClusterTest::SetUp();
    if (cluster_ == nullptr) return;
    GatewayOptions gateway_options;
    gateway_options.service_token = kServiceToken;
    gateway_options.sse_heartbeat_interval = absl::Milliseconds(200);
    StartGateway(gateway_options);

    TestHttpClient client(gateway_->port());
    auto login =
        client.Send("POST", "/v1/auth/login",
                    R"({"email":"usera@example.com","password":"demo123"})",
                    {{"Content-Type", "application/json"}});
    ASSERT_THAT(login, IsOk());
    ASSERT_EQ(login->status, 200);
    const std::string cookie = *login->Header("set-cookie");
    sid_ = cookie.substr(4, cookie.find(';') - 4);
  }

  void CreateNotification(int64_t job, const std::string& subject) {
    auto stub = notifications::v1::NotificationService::NewStub(backend_);
    grpc::ClientContext context;
    context.AddMetadata(auth::kServiceTokenKey, kServiceToken);
    notifications::v1::CreateNotificationRequest request;
    auto* notification = request.mutable_notification();
    notification->set_user_id(kUserA);
    notification->set_ticket_id(7);
    notification->set_subject(subject);
    notification->set_message("Ticket #7 is yours now.");
    notification->set_source_job_id(job);
    notifications::v1::Notification response;
    grpc::Status status =
        stub->CreateNotification(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Opens the event stream on `client` with the session cookie.
  void OpenStream(TestHttpClient& client) {
    ASSERT_THAT(client.SendRaw(absl::StrCat(
                    "GET /v1/notifications:watch HTTP/1.1\r\nHost: x\r\n"
                    "Accept: text/event-stream\r\nCookie: sid=",
                    sid_, "\r\n\r\n")),
                IsOk());
  }

  bool WaitForNoBackendCalls() {
    return helpdesk::testing::WaitFor(
        [&] { return gateway_->backend_calls_in_flight() == 0; },
        absl::Seconds(5));
  }

  std::string sid_;
};

TEST_F(SseEndToEndTest, NotificationsArriveAsEvents) {
  TestHttpClient client(gateway_->port());
  OpenStream(client);
  auto head = client.ReadStreamHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->status, 200);
  EXPECT_THAT(head->Header("content-type"),
              Optional(StartsWith("text/event-stream")));
  EXPECT_THAT(head->Header("cache-control"), Optional(std::string("no-store")));
  // The opening heartbeat.
  auto body = client.ReadStreamUntil("\n\n");
  ASSERT_THAT(body, IsOk());
  body = client.ReadStreamUntil(R"("heartbeat":{})");
  ASSERT_THAT(body, IsOk());

  CreateNotification(1, "Printer ticket assigned");
  body = client.ReadStreamUntil("Printer ticket assigned");
  ASSERT_THAT(body, IsOk());
  // One JSON object per `data:` line, framed by a blank line.
  const size_t at = body->find("data: {\"notification\"");
  ASSERT_NE(at, std::string::npos) << *body;
  const std::string event = body->substr(at, body->find("\n\n", at) - at);
  EXPECT_THAT(event, HasSubstr(R"("unreadCount":"1")"));
  EXPECT_THAT(event, HasSubstr(R"("userId":"3")"));
  EXPECT_EQ(event.find('\n'), std::string::npos);
}

TEST_F(SseEndToEndTest, IdleStreamsGetKeepAliveComments) {
  TestHttpClient client(gateway_->port());
  OpenStream(client);
  ASSERT_THAT(client.ReadStreamHead(), IsOk());
  EXPECT_THAT(client.ReadStreamUntil(": keep-alive\n\n"), IsOk());
}

// The header and idle timeouts are for connections that have asked for
// nothing (yet): an open stream outlives them many times over.
TEST_F(SseEndToEndTest, StreamsOutliveTheHeaderAndIdleTimeouts) {
  GatewayOptions options;
  options.service_token = kServiceToken;
  options.sse_heartbeat_interval = absl::Milliseconds(200);
  options.request_header_timeout = absl::Milliseconds(50);
  options.idle_timeout = absl::Milliseconds(50);
  gateway_.reset();
  auto gateway = Gateway::Start(options, backend_);
  ASSERT_THAT(gateway, IsOk());
  gateway_ = std::move(*gateway);

  TestHttpClient client(gateway_->port());
  OpenStream(client);
  ASSERT_THAT(client.ReadStreamHead(), IsOk());
  // Three keep-alive comments in a row: 600 ms of silence from the backend.
  ASSERT_THAT(client.ReadStreamUntil(
                  ": keep-alive\n\n: keep-alive\n\n: keep-alive\n\n"),
              IsOk());
  CreateNotification(3, "Still listening");
  EXPECT_THAT(client.ReadStreamUntil("Still listening"), IsOk());
}

TEST_F(SseEndToEndTest, ClientLeavingCancelsTheBackendStream) {
  {
    TestHttpClient client(gateway_->port());
    OpenStream(client);
    ASSERT_THAT(client.ReadStreamHead(), IsOk());
    ASSERT_THAT(client.ReadStreamUntil("heartbeat"), IsOk());
    EXPECT_EQ(gateway_->backend_calls_in_flight(), 1);
  }  // the client disconnects
  EXPECT_TRUE(WaitForNoBackendCalls());
}

TEST_F(SseEndToEndTest, UnauthenticatedWatchIsAPlain401) {
  TestHttpClient client(gateway_->port());
  auto response = client.Send("GET", "/v1/notifications:watch");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 401);
  EXPECT_THAT(response->Header("content-type"),
              Optional(std::string("application/json")));
  EXPECT_TRUE(WaitForNoBackendCalls());
}

TEST_F(SseEndToEndTest, ServerEndingTheStreamEndsTheResponse) {
  TestHttpClient client(gateway_->port());
  OpenStream(client);
  ASSERT_THAT(client.ReadStreamHead(), IsOk());
  ASSERT_THAT(client.ReadStreamUntil("heartbeat"), IsOk());
  cluster_->notification()->Stop();  // ends streams with UNAVAILABLE
  auto body = client.ReadStreamUntil("event: status");
  ASSERT_THAT(body, IsOk());
  EXPECT_THAT(*body, HasSubstr(R"("code":14)"));
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

TEST_F(SseEndToEndTest, UnaryNotificationRoutesWork) {
  CreateNotification(2, "Status changed");
  TestHttpClient client(gateway_->port());
  const std::pair<std::string, std::string> cookie = {"Cookie", "sid=" + sid_};
  auto count =
      client.Send("GET", "/v1/notifications:unreadCount", "", {cookie});
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->body, R"({"count":"1"})");
  auto list = client.Send("GET", "/v1/notifications?unreadOnly=true&pageSize=5",
                          "", {cookie});
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->status, 200);
  EXPECT_THAT(list->body, HasSubstr("Status changed"));
  auto all_read =
      client.Send("POST", "/v1/notifications:markAllRead", "", {cookie});
  ASSERT_THAT(all_read, IsOk());
  EXPECT_EQ(all_read->body, R"({"updatedCount":1})");
  auto missing =
      client.Send("POST", "/v1/notifications/999:markRead", "", {cookie});
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace helpdesk::gateway
