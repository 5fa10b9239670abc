// libs/clients/AuthClient against the real auth service: how every other
// service resolves tokens and fetches users.
#include "libs/clients/auth_client.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "services/auth/auth_component.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::auth::v1::User;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

constexpr char kServiceToken[] = "client-test-token-0123456789abcdef";

class AuthClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuthComponentOptions options;
    options.storage.data_dir = dir_.path().string();
    options.service_token = kServiceToken;
    options.service.argon2 = {64, 1, 1};
    options.service.page_token_key = "k";
    auto component =
        AuthComponent::Create(options, &clock_,
                              // No peer listens here: audit is away.
                              rpc::Peers::Unreachable());
    ASSERT_THAT(component, IsOk());
    component_ = std::move(*component);
    rpc::Component* components[] = {component_.get()};
    auto server = rpc::StartComponentServer(
        {}, components, component_->token_resolver(), kServiceToken);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  std::string LoginToken(const std::string& email) {
    auto stub = v1::AuthService::NewStub(channel_);
    grpc::ClientContext context;
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password("demo123");
    v1::LoginResponse response;
    EXPECT_TRUE(stub->Login(&context, request, &response).ok());
    return response.session_token();
  }

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<AuthComponent> component_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(AuthClientTest, ResolvesALiveTokenToItsPrincipal) {
  clients::AuthClient client({channel_, kServiceToken});
  auto principal = client.Resolve(LoginToken("adminb@example.com"));
  ASSERT_THAT(principal, IsOk());
  EXPECT_EQ(principal->role, User::ADMIN);
  EXPECT_THAT(client.Resolve("forged"),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthClientTest, WrongServiceCredentialIsPermissionDenied) {
  clients::AuthClient client({channel_, "not-the-service-token"});
  EXPECT_THAT(client.Resolve(LoginToken("usera@example.com")),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuthClientTest, BatchGetUsersReturnsTheKnownOnesInOneCall) {
  clients::AuthClient client({channel_, kServiceToken});
  const int64_t ids[] = {1, 2, 404};
  auto users = client.BatchGetUsers(ids);
  ASSERT_THAT(users, IsOk());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].email(), "admina@example.com");
}

TEST_F(AuthClientTest, DownAuthServiceIsUnavailableNotAHang) {
  server_->Shutdown(absl::ZeroDuration());
  clients::AuthClient client(
      {channel_, kServiceToken, absl::Milliseconds(500)});
  absl::Status status = client.Resolve("anything").status();
  EXPECT_TRUE(absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status))
      << status;
}

}  // namespace
}  // namespace helpdesk::auth
