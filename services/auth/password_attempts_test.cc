#include "services/auth/password_attempts.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

constexpr char kAccount[] = "owner@example.com";
constexpr char kAttacker[] = "203.0.113.7";
constexpr char kOwner[] = "198.51.100.2";

class PasswordAttemptLimiterTest : public ::testing::Test {
 protected:
  // Fails `n` times from `address`, each admitted first.
  void Fail(int n, const std::string& address,
            const std::string& account = kAccount) {
    for (int i = 0; i < n; ++i) {
      ASSERT_THAT(limiter_.Admit(account, address), IsOk()) << address << i;
      limiter_.RecordFailure(account, address);
    }
  }

  ManualClock clock_;
  PasswordAttemptLimiter limiter_{{}, &clock_};  // 5/10 min, 10 min, 20/10 min
};

TEST_F(PasswordAttemptLimiterTest, GuessingAddressIsRefusedOthersAreNot) {
  Fail(5, kAttacker);
  absl::Status refused = limiter_.Admit(kAccount, kAttacker);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "too many failed sign-in attempts for this "
                                "account"));
  // The account's budget comes back first: one failure per 2 minutes.
  EXPECT_EQ(GetRetryDelay(refused), absl::Minutes(2));
  EXPECT_THAT(limiter_.Admit(kAccount, kOwner), IsOk());
  EXPECT_THAT(limiter_.Admit("other@example.com", kAttacker), IsOk());
}

TEST_F(PasswordAttemptLimiterTest, AFreshAddressGetsOneTryWhileOverBudget) {
  Fail(5, kAttacker);
  Fail(1, kOwner);  // the owner mistypes once
  EXPECT_THAT(limiter_.Admit(kAccount, kOwner),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(PasswordAttemptLimiterTest, EverythingDecaysAfterTheWindow) {
  Fail(5, kAttacker);
  Fail(1, kOwner);
  clock_.Advance(absl::Minutes(10));
  EXPECT_THAT(limiter_.Admit(kAccount, kAttacker), IsOk());
  EXPECT_THAT(limiter_.Admit(kAccount, kOwner), IsOk());
  Fail(5, kAttacker);  // a whole new budget
}

TEST_F(PasswordAttemptLimiterTest, ASlowGuesserNeverLocksTheOwnerOut) {
  // One guess whenever the account or the address allows it, for a day.
  Fail(5, kAttacker);
  for (int minute = 0; minute < 24 * 60; ++minute) {
    clock_.Advance(absl::Minutes(1));
    if (limiter_.Admit(kAccount, kAttacker).ok()) {
      limiter_.RecordFailure(kAccount, kAttacker);
    }
    ASSERT_THAT(limiter_.Admit(kAccount, kOwner), IsOk()) << minute;
  }
}

TEST_F(PasswordAttemptLimiterTest, ManyAddressesStillMeetTheCeiling) {
  // 20 addresses, one failure each: 5 within the account's budget, 15 as
  // fresh addresses past it. Then nobody is admitted, not even a fresh one.
  for (int i = 0; i < 20; ++i) Fail(1, absl::StrCat("192.0.2.", i));
  absl::Status refused = limiter_.Admit(kAccount, kOwner);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetRetryDelay(refused), absl::Seconds(30));  // 10 min / 20
  clock_.Advance(absl::Seconds(30));
  EXPECT_THAT(limiter_.Admit(kAccount, kOwner), IsOk());
}

TEST_F(PasswordAttemptLimiterTest, PairsDoNotRunIntoEachOther) {
  // Account "a" over budget; ("ab", "c") has a failure on record. Joined
  // naively, ("a", "bc") would spell the same key.
  Fail(5, "x", "a");
  Fail(1, "c", "ab");
  EXPECT_THAT(limiter_.Admit("a", "bc"), IsOk());
  EXPECT_THAT(limiter_.Admit("a", "x"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(PasswordAttemptLimiterDisabledTest, AdmitsEverything) {
  ManualClock clock;
  PasswordAttemptLimiter limiter({.enabled = false}, &clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(limiter.Admit(kAccount, kAttacker), IsOk());
    limiter.RecordFailure(kAccount, kAttacker);
  }
}

}  // namespace
}  // namespace helpdesk::auth
