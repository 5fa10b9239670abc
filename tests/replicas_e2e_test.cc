// Two replicas of every service and two gateways on one private PostgreSQL
// database, the real binaries on loopback ports, every peer flag naming both
// replicas (gRPC round robin), driven through both gateways with a real HTTP
// client: the lifecycle alternately through gateways A and B, live
// notifications to watchers on A for a change made through B, the login
// limit across gateways, and kill -9 of one replica of every service (and a
// gateway) in the middle of a write burst.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/postgres_cluster.h"
#include "libs/testing/replica_set.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"
#include "tests/e2e_support.h"

namespace helpdesk {
namespace {

using ::helpdesk::e2e::Call;
using ::helpdesk::e2e::CountOf;
using ::helpdesk::e2e::IdOf;
using ::helpdesk::e2e::SignIn;
using ::helpdesk::e2e::TestResponse;
using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::WaitFor;
using ::testing::HasSubstr;

class ReplicasE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = testing::SharedPostgresCluster(&error);
    ASSERT_NE(cluster_, nullptr) << error;
    static int databases = 0;
    database_ = absl::StrCat("replicas_", ++databases);
    ASSERT_THAT(cluster_->CreateDatabase(database_), IsOk());
    testing::ReplicaSetOptions options = e2e::TestReplicaSet(
        dir_.path().string(), cluster_->ConnectionUri(database_),
        /*replicas=*/2, /*gateways=*/2);
    // A killed jobs replica's claims come back after 3 s.
    for (const char* flag : {"--lease=3s", "--handler_timeout=2s"}) {
      options.flags["jobs"].push_back(flag);
    }
    for (const auto& [name, flags] : extra_flags_) {
      for (const std::string& flag : flags) options.flags[name].push_back(flag);
    }
    auto set = testing::ReplicaSet::Start(options);
    ASSERT_THAT(set, IsOk());
    set_ = std::move(*set);
    a_ = set_->port("gateway", 0);
    b_ = set_->port("gateway", 1);
  }

  std::map<std::string, std::vector<std::string>> extra_flags_;
  testing::TempDir dir_;
  testing::PostgresCluster* cluster_ = nullptr;
  std::string database_;
  std::unique_ptr<testing::ReplicaSet> set_;
  int a_ = 0;  // gateway A's HTTP port
  int b_ = 0;  // gateway B's
};

TEST_F(ReplicasE2eTest, LifecycleAlternatesBetweenTheGateways) {
  e2e::RunLifecycle(a_, b_);
}

// Opens the session's notification stream on `client` and reads up to the
// opening heartbeat.
void OpenWatch(TestHttpClient& client, const std::string& cookie) {
  ASSERT_THAT(client.SendRaw(absl::StrCat(
                  "GET /v1/notifications:watch HTTP/1.1\r\nHost: x\r\n"
                  "Accept: text/event-stream\r\nCookie: ",
                  cookie, "\r\n\r\n")),
              IsOk());
  auto head = client.ReadStreamHead();
  ASSERT_THAT(head, IsOk());
  ASSERT_EQ(head->status, 200);
  ASSERT_THAT(client.ReadStreamUntil(R"("heartbeat":{})"), IsOk());
}

// Gateway A's channel balances its calls over both notification replicas
// round robin, so of two streams opened through A one is on each replica;
// the notification is stored by one of them and reaches the other replica's
// watcher through LISTEN/NOTIFY. Both must see it, and a watcher on B too.
TEST_F(ReplicasE2eTest, WatchersOnGatewayASeeAChangeMadeThroughGatewayB) {
  const std::string user = SignIn(a_, "usera@example.com");
  const std::string admin = SignIn(b_, "admina@example.com");
  std::vector<std::unique_ptr<TestHttpClient>> watchers;
  for (int port : {a_, a_, b_}) {
    watchers.push_back(
        std::make_unique<TestHttpClient>(port, absl::Seconds(30)));
    OpenWatch(*watchers.back(), user);
  }
  TestResponse created =
      Call(b_, user, "POST", "/v1/tickets",
           R"({"title":"Watched printer","body":"Who hears of it"})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = IdOf(created.body);
  ASSERT_EQ(
      Call(b_, admin, "PATCH", "/v1/tickets/" + id, R"({"status":"RESOLVED"})")
          .status,
      200);
  for (auto& watcher : watchers) {
    auto events =
        watcher->ReadStreamUntil(absl::StrCat(R"("ticketId":")", id, R"(")"));
    ASSERT_THAT(events, IsOk());
    EXPECT_THAT(*events, HasSubstr(R"("unreadCount":"1")"));
  }
}

TEST_F(ReplicasE2eTest, LoginLimitForAnAccountHoldsAcrossGateways) {
  // Five failures for one account, spread over both gateways (and so over
  // both auth replicas): the sixth attempt is refused through either.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Call(i % 2 == 0 ? a_ : b_, "", "POST", "/v1/auth/login",
                   R"({"email":"userc@example.com","password":"wrong"})")
                  .status,
              401);
  }
  for (int port : {a_, b_, a_, b_}) {
    TestResponse limited =
        Call(port, "", "POST", "/v1/auth/login",
             R"({"email":"userc@example.com","password":"wrong"})");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_TRUE(limited.Header("retry-after").has_value());
  }
  // Another account is not limited.
  EXPECT_EQ(Call(b_, "", "POST", "/v1/auth/login",
                 R"({"email":"userd@example.com","password":"wrong"})")
                .status,
            401);
}

class ReplicasFaultTest : public ReplicasE2eTest {
 protected:
  void SetUp() override {
    // The burst creates more tickets than one user may per hour.
    extra_flags_["ticket"] = {"--rate_limits=false"};
    ReplicasE2eTest::SetUp();
  }
};

// Writers create and assign tickets through both gateways while replica 0
// of every service and gateway A are killed (SIGKILL). A write the client
// saw succeed must be there exactly once (ticket, audit event, the
// assignee's notification); a write that failed may or may not be there
// but never twice; the audit hash chain verifies; PostgreSQL's own checks
// find every table and index intact.
TEST_F(ReplicasFaultTest, KillingOneReplicaOfEachDuringABurstLosesNothing) {
  const std::string user = SignIn(b_, "usera@example.com");
  const std::string admin = SignIn(b_, "admina@example.com");
  const std::string admin_b = SignIn(b_, "adminb@example.com");
  constexpr int kWrites = 40;
  std::atomic<bool> a_alive{true};
  std::atomic<int> next{0};
  std::atomic<int> confirmed_after_kill{0};
  std::atomic<bool> killed{false};
  std::mutex mu;
  std::map<int, std::string> created;    // write -> ticket id (confirmed)
  std::map<std::string, bool> assigned;  // ticket id -> assign confirmed
  auto writer = [&] {
    for (int i = next++; i < kWrites; i = next++) {
      const int port = i % 2 == 0 && a_alive ? a_ : b_;
      TestResponse ticket =
          Call(port, user, "POST", "/v1/tickets",
               absl::StrCat(R"({"title":"Burst ticket )", i,
                            R"(","body":"Written during the faults"})"));
      if (ticket.status != 200) continue;
      const std::string id = IdOf(ticket.body);
      const int other = port == b_ && a_alive ? a_ : b_;
      const bool ok =
          Call(other, admin, "POST", "/v1/tickets/" + id + ":assign",
               R"({"assigneeId":"2"})")
              .status == 200;
      if (killed) ++confirmed_after_kill;
      std::lock_guard<std::mutex> lock(mu);
      created[i] = id;
      assigned[id] = ok;
    }
  };
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) writers.emplace_back(writer);
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return created.size() >= 8;
      },
      absl::Seconds(60)));
  a_alive = false;
  for (const char* name :
       {"gateway", "auth", "audit", "ticket", "notification", "jobs"}) {
    EXPECT_THAT(set_->Kill(name, 0), IsOk()) << name;
  }
  killed = true;
  for (std::thread& thread : writers) thread.join();
  EXPECT_GT(confirmed_after_kill, 0) << "the survivors took no writes";

  int assigns = 0;
  for (const auto& [id, ok] : assigned) assigns += ok ? 1 : 0;
  ASSERT_GT(assigns, 0);
  // Delivery: the outbox lease of a killed holder passes after 10 s, a
  // killed jobs replica's claims come back after 3 s.
  auto notifications = [&] {
    return Call(b_, admin_b, "GET", "/v1/notifications?pageSize=100").body;
  };
  auto audit = [&] {
    return Call(b_, admin, "GET",
                "/v1/auditEvents?action=ticket.assigned&pageSize=100")
        .body;
  };
  auto all_arrived = [&](const std::string& body) {
    for (const auto& [id, ok] : assigned) {
      if (ok && !absl::StrContains(
                    body, absl::StrCat(R"("ticketId":")", id, R"(")"))) {
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(WaitFor([&] { return all_arrived(notifications()); },
                      absl::Seconds(90), absl::Milliseconds(250)));
  EXPECT_TRUE(WaitFor(
      [&] {
        return CountOf(audit(), R"("action":"ticket.assigned")") >= assigns;
      },
      absl::Seconds(90), absl::Milliseconds(250)));
  absl::SleepFor(absl::Seconds(2));  // a duplicate would have arrived by now

  const std::string tickets =
      Call(b_, user, "GET", "/v1/tickets?pageSize=100").body;
  const std::string inbox = notifications();
  const std::string events = audit();
  for (int i = 0; i < kWrites; ++i) {
    const std::string title =
        absl::StrCat(R"("title":"Burst ticket )", i, R"(")");
    if (created.count(i) > 0) {
      EXPECT_EQ(CountOf(tickets, title), 1) << "confirmed write " << i;
    } else {
      EXPECT_LE(CountOf(tickets, title), 1) << "failed write " << i;
    }
  }
  for (const auto& [id, ok] : assigned) {
    const int delivered =
        CountOf(inbox, absl::StrCat(R"("ticketId":")", id, R"(")"));
    const int recorded =
        CountOf(events, absl::StrCat(R"("entityId":")", id, R"(")"));
    if (ok) {
      EXPECT_EQ(delivered, 1) << "notification for ticket " << id;
      EXPECT_EQ(recorded, 1) << "ticket.assigned of ticket " << id;
    } else {
      EXPECT_LE(delivered, 1) << "notification for ticket " << id;
      EXPECT_LE(recorded, 1) << "ticket.assigned of ticket " << id;
    }
  }
  TestResponse chain = Call(b_, admin, "GET", "/v1/auditEvents:verifyChain");
  EXPECT_EQ(chain.status, 200) << chain.body;
  EXPECT_THAT(chain.body, HasSubstr(R"("ok":true)"));
  EXPECT_THAT(cluster_->CheckIntegrity(database_), IsOk());
}

}  // namespace
}  // namespace helpdesk
