#include "libs/db/lease.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/db/store.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"

namespace helpdesk::db {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::IsOkAndHolds;

constexpr Migration kMigrations[] = {LeaseMigration(1)};

// Two stores on one database stand for two replicas.
class LeaseTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.location = NewLocation("leases");
    options.migrations = kMigrations;
    options.postgres_migrations = kMigrations;
    for (auto* store : {&a_, &b_}) {
      auto opened = Store::Open(options);
      ASSERT_THAT(opened, IsOk());
      *store = std::move(*opened);
    }
  }

  ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<Store> a_;
  std::unique_ptr<Store> b_;
};

HELPDESK_INSTANTIATE_ENGINES(LeaseTest);

TEST_P(LeaseTest, OneOwnerAtATimeUntilTheLeaseExpires) {
  Lease first(a_.get(), "outbox", &clock_, absl::Seconds(10));
  Lease second(b_.get(), "outbox", &clock_, absl::Seconds(10));
  EXPECT_THAT(first.Acquire(), IsOkAndHolds(true));
  EXPECT_THAT(second.Acquire(), IsOkAndHolds(false));
  EXPECT_TRUE(first.HeldNow());
  EXPECT_FALSE(second.HeldNow());

  // Renewed by its holder, it stays taken.
  clock_.Advance(absl::Seconds(8));
  EXPECT_THAT(first.Acquire(), IsOkAndHolds(true));
  clock_.Advance(absl::Seconds(8));
  EXPECT_THAT(second.Acquire(), IsOkAndHolds(false));
  // The holder counts it lost after half the ttl without a renewal.
  EXPECT_FALSE(first.HeldNow());

  // Not renewed, it expires and the other owner takes it.
  clock_.Advance(absl::Seconds(3));
  EXPECT_THAT(second.Acquire(), IsOkAndHolds(true));
  EXPECT_THAT(first.Acquire(), IsOkAndHolds(false));
}

TEST_P(LeaseTest, ReleaseLetsAnotherOwnerTakeItAtOnce) {
  Lease first(a_.get(), "sweep", &clock_);
  Lease second(b_.get(), "sweep", &clock_);
  Lease other_work(b_.get(), "prune", &clock_);
  ASSERT_THAT(first.Acquire(), IsOkAndHolds(true));
  EXPECT_THAT(other_work.Acquire(), IsOkAndHolds(true));  // another name
  EXPECT_THAT(second.Acquire(), IsOkAndHolds(false));
  ASSERT_THAT(first.Release(), IsOk());
  EXPECT_FALSE(first.HeldNow());
  EXPECT_THAT(second.Acquire(), IsOkAndHolds(true));
}

TEST_P(LeaseTest, OwnersRacingForAFreeLeaseGetOneHolder) {
  constexpr int kOwnersPerStore = 4;
  std::vector<std::unique_ptr<Lease>> leases;
  for (Store* store : {a_.get(), b_.get()}) {
    for (int i = 0; i < kOwnersPerStore; ++i) {
      leases.push_back(std::make_unique<Lease>(store, "race", &clock_));
    }
  }
  std::atomic<int> holders{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (auto& lease : leases) {
    threads.emplace_back([&, lease = lease.get()] {
      absl::StatusOr<bool> held = lease->Acquire();
      if (!held.ok()) ++errors;
      if (held.ok() && *held) ++holders;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(holders.load(), 1);
}

}  // namespace
}  // namespace helpdesk::db
