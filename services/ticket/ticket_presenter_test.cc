// TicketPresenter's user lookups against the real auth service: names come
// from one BatchGetUsers call and are reused for cache_ttl.
#include "services/ticket/ticket_presenter.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clients/auth_client.h"
#include "libs/clock/clock.h"
#include "libs/testing/cluster.h"

namespace helpdesk::ticket {
namespace {

// Demo accounts in seeding order: admina@ is 1, usera@ is 3.
constexpr int64_t kAdminA = 1;
constexpr int64_t kUserA = 3;

class TicketPresenterTest : public helpdesk::testing::ClusterTest {
 protected:
  TicketPresenterTest() : ClusterTest({kAuth}) {}

  void SetUp() override {
    ClusterTest::SetUp();
    directory_ = std::make_unique<clients::AuthClient>(
        clients::PeerOptions{channel(), kServiceToken});
    presenter_ = std::make_unique<TicketPresenter>(directory_.get(), &clock_,
                                                   absl::Seconds(30));
  }

  std::unique_ptr<clients::AuthClient> directory_;
  std::unique_ptr<TicketPresenter> presenter_;
};

TEST_F(TicketPresenterTest, LooksUpEveryoneNamedAndIgnoresZero) {
  TicketPresenter::Users users =
      presenter_->LookUp({kUserA, 0, kAdminA, kUserA});
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[kUserA].email(), "usera@example.com");
  EXPECT_EQ(users[kAdminA].email(), "admina@example.com");
}

TEST_F(TicketPresenterTest, ReusesNamesWithinTheTtlWithoutAskingAuth) {
  ASSERT_EQ(presenter_->LookUp({kUserA}).size(), 1u);
  cluster_.reset();  // auth gone: only the cache can answer now

  clock_.Advance(absl::Seconds(29));
  TicketPresenter::Users cached = presenter_->LookUp({kUserA});
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(cached[kUserA].email(), "usera@example.com");
  // Someone never looked up needs auth, which is down: served without.
  EXPECT_TRUE(presenter_->LookUp({kAdminA}).empty());
}

TEST_F(TicketPresenterTest, AsksAuthAgainOnceTheTtlPassed) {
  ASSERT_EQ(presenter_->LookUp({kUserA}).size(), 1u);
  cluster_.reset();

  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(presenter_->LookUp({kUserA}).empty());
}

}  // namespace
}  // namespace helpdesk::ticket
