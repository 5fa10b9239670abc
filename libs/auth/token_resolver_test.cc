#include "libs/auth/token_resolver.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::auth::v1::User;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

// Counts lookups; tokens can be revoked like sessions in the auth store.
class CountingResolver final : public TokenResolver {
 public:
  absl::StatusOr<Principal> Resolve(absl::string_view token) override {
    ++calls;
    auto it = valid.find(token);
    if (it == valid.end()) return absl::UnauthenticatedError("bad token");
    return it->second;
  }
  absl::flat_hash_map<std::string, Principal> valid;
  int calls = 0;
};

class CachingTokenResolverTest : public ::testing::Test {
 protected:
  CachingTokenResolverTest() : cache_(&inner_, &clock_, {absl::Seconds(2), 2}) {
    inner_.valid["a"] = {1, User::USER};
    inner_.valid["b"] = {2, User::ADMIN};
    inner_.valid["c"] = {3, User::USER};
  }

  CountingResolver inner_;
  ManualClock clock_;
  CachingTokenResolver cache_;
};

TEST_F(CachingTokenResolverTest, RepeatedLookupWithinTtlIsServedFromCache) {
  ASSERT_THAT(cache_.Resolve("a"), IsOk());
  auto again = cache_.Resolve("a");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->user_id, 1);
  EXPECT_EQ(inner_.calls, 1);
}

TEST_F(CachingTokenResolverTest, RevokedTokenFailsOnceTheTtlPasses) {
  ASSERT_THAT(cache_.Resolve("a"), IsOk());
  inner_.valid.erase("a");  // logout
  clock_.Advance(absl::Milliseconds(1999));
  EXPECT_THAT(cache_.Resolve("a"), IsOk());
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_THAT(cache_.Resolve("a"),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CachingTokenResolverTest, ForgottenTokenIsRefusedOnTheNextCall) {
  ASSERT_THAT(cache_.Resolve("a"), IsOk());
  inner_.valid.erase("a");  // logout
  cache_.Forget("a");
  EXPECT_THAT(cache_.Resolve("a"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Other tokens stay cached.
  ASSERT_THAT(cache_.Resolve("b"), IsOk());
  const int calls = inner_.calls;
  cache_.Forget("a");
  ASSERT_THAT(cache_.Resolve("b"), IsOk());
  EXPECT_EQ(inner_.calls, calls);
}

TEST_F(CachingTokenResolverTest, FailuresAreNotCached) {
  EXPECT_THAT(cache_.Resolve("x"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  inner_.valid["x"] = {9, User::USER};
  EXPECT_THAT(cache_.Resolve("x"), IsOk());
  EXPECT_EQ(inner_.calls, 2);
}

TEST_F(CachingTokenResolverTest, OldestEntryIsEvictedAtCapacity) {
  ASSERT_THAT(cache_.Resolve("a"), IsOk());
  ASSERT_THAT(cache_.Resolve("b"), IsOk());
  ASSERT_THAT(cache_.Resolve("c"), IsOk());  // evicts "a"
  EXPECT_EQ(inner_.calls, 3);
  ASSERT_THAT(cache_.Resolve("c"), IsOk());
  EXPECT_EQ(inner_.calls, 3);
  ASSERT_THAT(cache_.Resolve("a"), IsOk());
  EXPECT_EQ(inner_.calls, 4);
}

// Blocks every lookup until released, counting how many started.
class GatedResolver final : public TokenResolver {
 public:
  absl::StatusOr<Principal> Resolve(absl::string_view /*token*/) override {
    {
      absl::MutexLock lock(&mu);
      ++started;
    }
    release.WaitForNotification();
    return Principal{7, User::USER};
  }
  absl::Mutex mu;
  int started ABSL_GUARDED_BY(mu) = 0;
  absl::Notification release;
};

TEST(CachingTokenResolverSharingTest, SimultaneousMissesShareOneLookup) {
  GatedResolver inner;
  ManualClock clock;
  CachingTokenResolver cache(&inner, &clock, {absl::Seconds(2), 100});
  std::vector<absl::StatusOr<Principal>> results(8);
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] { results[i] = cache.Resolve("token"); });
  }
  {
    // Once one lookup has started, the other callers either wait for it or,
    // arriving after it finished, hit the cache: one lookup in all.
    absl::MutexLock lock(&inner.mu);
    inner.mu.Await(absl::Condition(
        +[](int* started) { return *started >= 1; }, &inner.started));
  }
  inner.release.Notify();
  for (std::thread& caller : callers) caller.join();
  for (const auto& result : results) {
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->user_id, 7);
  }
  absl::MutexLock lock(&inner.mu);
  EXPECT_EQ(inner.started, 1);
}

TEST(CachingTokenResolverSharingTest, LookupInFlightDuringForgetIsNotCached) {
  GatedResolver inner;
  ManualClock clock;
  CachingTokenResolver cache(&inner, &clock, {absl::Seconds(2), 100});
  absl::StatusOr<Principal> before_logout;
  std::thread caller([&] { before_logout = cache.Resolve("token"); });
  {
    absl::MutexLock lock(&inner.mu);
    inner.mu.Await(absl::Condition(
        +[](int* started) { return *started >= 1; }, &inner.started));
  }
  // The session ends while the lookup that began before it is running.
  cache.Forget("token");
  inner.release.Notify();
  caller.join();
  ASSERT_THAT(before_logout, IsOk());
  // Its result was not kept: the next call asks again.
  ASSERT_THAT(cache.Resolve("token"), IsOk());
  absl::MutexLock lock(&inner.mu);
  EXPECT_EQ(inner.started, 2);
}

}  // namespace
}  // namespace helpdesk::auth
