// TicketPresenter's user lookups against the real auth service: names come
// from one BatchGetUsers call and are reused for cache_ttl.
#include "services/ticket/ticket_presenter.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clients/auth_client.h"
#include "libs/clock/clock.h"
#include "libs/rpc/server.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "services/auth/auth_component.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::testing::IsOk;

constexpr char kServiceToken[] = "presenter-test-token-0123456789abcdef";
// Demo accounts in seeding order: admina@ is 1, usera@ is 3.
constexpr int64_t kAdminA = 1;
constexpr int64_t kUserA = 3;

class TicketPresenterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::AuthComponentOptions options;
    options.data_dir = dir_.path().string();
    options.service_token = kServiceToken;
    options.service.argon2 = {64, 1, 1};
    options.service.page_token_key = "k";
    auto component = auth::AuthComponent::Create(options, &clock_);
    ASSERT_THAT(component, IsOk());
    auth_ = std::move(*component);
    auto server = auth_->Serve(rpc::ServerOptions{});
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    directory_ = std::make_unique<clients::AuthClient>(clients::PeerOptions{
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()),
        kServiceToken});
    presenter_.AttachDirectory(directory_.get());
  }

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<clients::AuthClient> directory_;
  TicketPresenter presenter_{&clock_, absl::Seconds(30)};
};

TEST_F(TicketPresenterTest, LooksUpEveryoneNamedAndIgnoresZero) {
  TicketPresenter::Users users =
      presenter_.LookUp({kUserA, 0, kAdminA, kUserA});
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[kUserA].email(), "usera@example.com");
  EXPECT_EQ(users[kAdminA].email(), "admina@example.com");
}

TEST_F(TicketPresenterTest, ReusesNamesWithinTheTtlWithoutAskingAuth) {
  ASSERT_EQ(presenter_.LookUp({kUserA}).size(), 1u);
  server_.reset();  // auth gone: only the cache can answer now

  clock_.Advance(absl::Seconds(29));
  TicketPresenter::Users cached = presenter_.LookUp({kUserA});
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(cached[kUserA].email(), "usera@example.com");
  // Someone never looked up needs auth, which is down: served without.
  EXPECT_TRUE(presenter_.LookUp({kAdminA}).empty());
}

TEST_F(TicketPresenterTest, AsksAuthAgainOnceTheTtlPassed) {
  ASSERT_EQ(presenter_.LookUp({kUserA}).size(), 1u);
  server_.reset();

  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(presenter_.LookUp({kUserA}).empty());
}

}  // namespace
}  // namespace helpdesk::ticket
