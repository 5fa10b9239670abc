// WatchNotifications streams in the all-in-one process: a session that ends
// through auth ends its streams at once, and the per-user cap reaches
// browsers as 429. Real Helpdeskd::Start, real gRPC and HTTP on loopback.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"
#include "services/helpdeskd/helpdeskd.h"
#include "services/notification/notification_test_fixture.h"

namespace helpdesk {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::notification::TestWatch;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::WaitFor;
using ::testing::HasSubstr;
using ::testing::Optional;

// Well below the 10 s session re-check: only the logout itself can end a
// stream this soon.
constexpr absl::Duration kPromptly = absl::Seconds(3);

class WatchStreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HelpdeskdOptions options;
    options.data_dir = dir_.File("data");
    options.grpc_port = 0;
    options.http_port = 0;
    auto daemon = Helpdeskd::Start(options);
    ASSERT_THAT(daemon, IsOk());
    daemon_ = std::move(*daemon);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon_->grpc_port()),
                            grpc::InsecureChannelCredentials());
    notifications_ = NotificationService::NewStub(channel_);
  }

  // A new session of a demo account; `presented` is sent as the bearer
  // token (Login then ends that session).
  std::string Login(const std::string& email,
                    const std::string& presented = "") {
    auto auth = auth::v1::AuthService::NewStub(channel_);
    grpc::ClientContext context;
    if (!presented.empty()) {
      context.AddMetadata("authorization", "Bearer " + presented);
    }
    auth::v1::LoginRequest request;
    request.set_email(email);
    request.set_password("demo123");
    auth::v1::LoginResponse response;
    grpc::Status status = auth->Login(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session_token();
  }

  grpc::Status Logout(const std::string& token) {
    auto auth = auth::v1::AuthService::NewStub(channel_);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::LogoutResponse response;
    return auth->Logout(&context, auth::v1::LogoutRequest(), &response);
  }

  std::unique_ptr<TestWatch> Watch(const std::string& token) {
    auto watch = std::make_unique<TestWatch>(notifications_.get(), token);
    auto opening = watch->Next();
    EXPECT_TRUE(opening.has_value() && opening->has_heartbeat());
    return watch;
  }

  // A ticket of `owner`'s whose status an admin then changes: the owner is
  // notified through the ticket outbox, the job queue and the hub. Returns
  // the ticket id.
  int64_t NotifyOwnerOfAStatusChange(const std::string& owner) {
    auto tickets = tickets::v1::TicketService::NewStub(channel_);
    tickets::v1::Ticket ticket;
    {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + owner);
      tickets::v1::CreateTicketRequest request;
      request.mutable_ticket()->set_title("Printer jams");
      request.mutable_ticket()->set_body("On every page");
      grpc::Status status = tickets->CreateTicket(&context, request, &ticket);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + Login("admina@example.com"));
    tickets::v1::UpdateTicketRequest request;
    request.mutable_ticket()->set_id(ticket.id());
    request.mutable_ticket()->set_status(tickets::v1::Ticket::IN_PROGRESS);
    request.mutable_update_mask()->add_paths("status");
    tickets::v1::Ticket updated;
    grpc::Status status = tickets->UpdateTicket(&context, request, &updated);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return ticket.id();
  }

  // Whether `watch` delivers a notification about `ticket_id` (bounded).
  static bool DeliversNotificationAbout(TestWatch& watch, int64_t ticket_id) {
    for (int event = 0; event < 20; ++event) {
      auto next = watch.Next();
      if (!next.has_value()) return false;
      if (next->has_notification() &&
          next->notification().ticket_id() == ticket_id) {
        return true;
      }
    }
    return false;
  }

  helpdesk::testing::TempDir dir_;
  std::unique_ptr<Helpdeskd> daemon_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<NotificationService::Stub> notifications_;
};

TEST_F(WatchStreamsTest, LogoutEndsThatSessionsStreamsAtOnce) {
  const std::string laptop = Login("usera@example.com");
  const std::string phone = Login("usera@example.com");
  auto on_laptop = Watch(laptop);
  auto on_phone = Watch(phone);

  ASSERT_TRUE(Logout(laptop).ok());
  std::optional<grpc::Status> ended = on_laptop->WaitForEnd(kPromptly);
  ASSERT_TRUE(ended.has_value()) << "still open after the logout";
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The user's other session keeps its stream, and it still delivers.
  const int64_t ticket_id = NotifyOwnerOfAStatusChange(phone);
  EXPECT_TRUE(DeliversNotificationAbout(*on_phone, ticket_id));
}

TEST_F(WatchStreamsTest, LoginPresentingTheOldTokenEndsItsStreams) {
  const std::string old_session = Login("userb@example.com");
  auto watch = Watch(old_session);
  const std::string new_session = Login("userb@example.com", old_session);
  std::optional<grpc::Status> ended = watch->WaitForEnd(kPromptly);
  ASSERT_TRUE(ended.has_value()) << "still open after the new login";
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto fresh = Watch(new_session);
  EXPECT_FALSE(fresh->WaitForEnd(absl::ZeroDuration()).has_value());
}

class GatewayWatchTest : public WatchStreamsTest {
 protected:
  // Signs in through the gateway; the session cookie ("sid=...").
  std::string GatewayLogin(const std::string& email) {
    TestHttpClient http(daemon_->http_port());
    auto login = http.Send(
        "POST", "/v1/auth/login",
        absl::StrCat(R"({"email":")", email, R"(","password":"demo123"})"),
        {{"Content-Type", "application/json"}});
    EXPECT_THAT(login, IsOk());
    if (!login.ok()) return "";
    auto cookie = login->Header("set-cookie");
    EXPECT_TRUE(cookie.has_value());
    return cookie.has_value() ? cookie->substr(0, cookie->find(';')) : "";
  }

  // Requests the event stream on `client`; the response's HTTP status (0
  // when none came).
  static int RequestEventStream(TestHttpClient& client,
                                const std::string& cookie) {
    if (!client
             .SendRaw(absl::StrCat(
                 "GET /v1/notifications:watch HTTP/1.1\r\nHost: x\r\n"
                 "Accept: text/event-stream\r\nCookie: ",
                 cookie, "\r\n\r\n"))
             .ok()) {
      return 0;
    }
    auto head = client.ReadStreamHead();
    return head.ok() ? head->status : 0;
  }

  // Opens the event stream on `client` and reads up to its opening
  // heartbeat.
  static void OpenEventStream(TestHttpClient& client,
                              const std::string& cookie) {
    ASSERT_EQ(RequestEventStream(client, cookie), 200);
    ASSERT_THAT(client.ReadStreamUntil("heartbeat"), IsOk());
  }
};

TEST_F(GatewayWatchTest, LogoutEndsTheEventStream) {
  const std::string cookie = GatewayLogin("usera@example.com");
  TestHttpClient stream(daemon_->http_port(), kPromptly);
  OpenEventStream(stream, cookie);

  TestHttpClient http(daemon_->http_port());
  auto logout =
      http.Send("POST", "/v1/auth/logout", "{}",
                {{"Cookie", cookie}, {"Content-Type", "application/json"}});
  ASSERT_THAT(logout, IsOk());
  ASSERT_EQ(logout->status, 200) << logout->body;
  auto body = stream.ReadStreamUntil("event: status");
  ASSERT_THAT(body, IsOk());
  EXPECT_THAT(*body, HasSubstr(R"("code":16)"));  // UNAUTHENTICATED
  EXPECT_TRUE(stream.ClosedByServer(kPromptly));
}

TEST_F(GatewayWatchTest, EventStreamBeyondTheCapIs429WithRetryAfter) {
  const std::string cookie = GatewayLogin("usera@example.com");
  constexpr int kCap = 16;  // the default
  std::vector<std::unique_ptr<TestHttpClient>> tabs;
  for (int tab = 0; tab < kCap; ++tab) {
    tabs.push_back(std::make_unique<TestHttpClient>(daemon_->http_port()));
    OpenEventStream(*tabs.back(), cookie);
  }
  TestHttpClient one_too_many(daemon_->http_port());
  auto refused =
      one_too_many.Send("GET", "/v1/notifications:watch", "",
                        {{"Cookie", cookie}, {"Accept", "text/event-stream"}});
  ASSERT_THAT(refused, IsOk());
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_THAT(refused->Header("retry-after"), Optional(std::string("30")));
  EXPECT_THAT(refused->body, HasSubstr("too many open notification streams"));

  // A tab that closes frees its slot (once the gateway's cancel reached
  // the service: poll, bounded).
  tabs.back()->Close();
  tabs.pop_back();
  const bool reopened = WaitFor(
      [&] {
        tabs.push_back(std::make_unique<TestHttpClient>(daemon_->http_port()));
        if (RequestEventStream(*tabs.back(), cookie) == 200) return true;
        tabs.pop_back();
        return false;
      },
      absl::Seconds(5), absl::Milliseconds(50));
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace helpdesk
