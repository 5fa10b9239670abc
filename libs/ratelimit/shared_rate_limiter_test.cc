// Rate limits shared by replicas: two limiters on two stores of one
// PostgreSQL database give one budget per key.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/db/store.h"
#include "libs/ratelimit/rate_limiter.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"

namespace helpdesk::ratelimit {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

constexpr db::Migration kMigrations[] = {RateLimitMigration(1)};

class SharedRateLimiterTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    if (!postgres()) GTEST_SKIP() << "a SQLite file has one process";
    db::StoreOptions options;
    options.location = NewLocation("auth");
    options.migrations = kMigrations;
    options.postgres_migrations = kMigrations;
    for (auto* store : {&a_, &b_}) {
      auto opened = db::Store::Open(options);
      ASSERT_THAT(opened, IsOk());
      *store = std::move(*opened);
    }
  }

  std::unique_ptr<RateLimiter> Limiter(db::Store* store) {
    return std::make_unique<RateLimiter>(
        RateLimiter::Options::For({5, absl::Minutes(10)}, true, store, "login"),
        &clock_);
  }

  ManualClock clock_;
  std::unique_ptr<db::Store> a_;
  std::unique_ptr<db::Store> b_;
};

HELPDESK_INSTANTIATE_ENGINES(SharedRateLimiterTest);

TEST_P(SharedRateLimiterTest, ReplicasShareOneBudgetPerKey) {
  auto on_a = Limiter(a_.get());
  auto on_b = Limiter(b_.get());
  for (int i = 0; i < 3; ++i) EXPECT_THAT(on_a->Acquire("a@x"), IsOk());
  for (int i = 0; i < 2; ++i) EXPECT_THAT(on_b->Acquire("a@x"), IsOk());
  // Five per ten minutes in all, not five per replica.
  const absl::Status refused = on_b->Acquire("a@x");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetRetryDelay(refused), absl::Minutes(2));
  EXPECT_THAT(on_a->Check("a@x"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(on_a->Acquire("b@x"), IsOk());  // another key

  clock_.Advance(absl::Minutes(2));
  EXPECT_THAT(on_a->Acquire("a@x"), IsOk());
  EXPECT_THAT(on_b->Acquire("a@x"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(SharedRateLimiterTest, ConcurrentAttemptsOnTwoReplicasAdmitTheLimit) {
  auto on_a = Limiter(a_.get());
  auto on_b = Limiter(b_.get());
  std::atomic<int> allowed{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (RateLimiter* limiter : {on_a.get(), on_b.get()}) {
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, limiter] {
        for (int i = 0; i < 5; ++i) {
          absl::Status status = limiter->Acquire("race@x");
          if (status.ok()) {
            ++allowed;
          } else if (!absl::IsResourceExhausted(status)) {
            ++errors;
          }
        }
      });
    }
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(allowed.load(), 5);
}

}  // namespace
}  // namespace helpdesk::ratelimit
