// End to end in split mode: the six real binaries as separate processes
// (auth, audit, ticket, notification, jobs, gateway) on loopback ports with
// one data directory and one shared credential, driven through the gateway
// with a real HTTP client — the whole flow, then a crash of the audit
// server while tickets are created. Every case runs on both storage
// engines: SQLite files in the data directory, and one fresh database of a
// private PostgreSQL cluster (--database_url, a schema per service).
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/sql.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/postgres_cluster.h"
#include "libs/testing/replica_set.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "tests/e2e_support.h"

namespace helpdesk {
namespace {

using ::helpdesk::gateway::testing::TestResponse;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;
using ::testing::HasSubstr;

class SplitE2eTest : public ::testing::TestWithParam<db::Engine> {
 protected:
  void SetUp() override {
    UseEngine();
    testing::ReplicaSetOptions options = e2e::TestReplicaSet(
        dir_.path().string(), database_url_, /*replicas=*/1, /*gateways=*/1);
    for (const std::string& flag : jobs_flags_) {
      options.flags["jobs"].push_back(flag);
    }
    auto set = testing::ReplicaSet::Start(options);
    ASSERT_THAT(set, IsOk());
    processes_ = std::move(*set);
    http_port_ = processes_->port("gateway", 0);
  }

  // On PostgreSQL: a fresh database of the binary's shared cluster.
  void UseEngine() {
    if (GetParam() != db::Engine::kPostgres) return;
    std::string error;
    testing::PostgresCluster* cluster = testing::SharedPostgresCluster(&error);
    ASSERT_NE(cluster, nullptr) << error;
    static int databases = 0;
    const std::string name = absl::StrCat("e2e_", ++databases);
    ASSERT_THAT(cluster->CreateDatabase(name), IsOk());
    database_url_ = cluster->ConnectionUri(name);
    database_ = name;
    cluster_ = cluster;
  }

  // Starts (or restarts) one process and waits until it serves.
  void Start(const std::string& name) {
    ASSERT_THAT(processes_->StartReplica(name, 0), IsOk()) << name;
  }

  void Signal(const std::string& name, int signal) {
    processes_->Signal(name, 0, signal);
  }

  void Kill(const std::string& name) {
    ASSERT_THAT(processes_->Kill(name, 0), IsOk()) << name;
  }

  std::string SignIn(const std::string& email) {
    return e2e::SignIn(http_port_, email);
  }

  TestResponse Call(const std::string& cookie, const std::string& method,
                    const std::string& target, const std::string& body = "") {
    return e2e::Call(http_port_, cookie, method, target, body);
  }

  bool Eventually(const std::string& cookie, const std::string& target,
                  const std::string& needle) {
    return e2e::Eventually(http_port_, cookie, target, needle);
  }

  // Creates a ticket as `cookie` and returns its id.
  std::string CreateTicket(const std::string& cookie, int n) {
    TestResponse created = Call(
        cookie, "POST", "/v1/tickets",
        absl::StrCat(R"({"title":"Fault ticket )", n, R"(","body":"Body"})"));
    EXPECT_EQ(created.status, 200) << created.body;
    return e2e::IdOf(created.body);
  }

  void RunLifecycle() { e2e::RunLifecycle(http_port_, http_port_); }

  // PRAGMA integrity_check on every service database; on PostgreSQL
  // pg_amcheck (B-tree and heap checks) on the whole database.
  void ExpectIntactDatabases() {
    if (!database_url_.empty()) {
      EXPECT_THAT(cluster_->CheckIntegrity(database_), IsOk());
      return;
    }
    for (const char* file :
         {"auth.db", "audit.db", "tickets.db", "notifications.db", "jobs.db"}) {
      SQLite::Database db(dir_.File(std::string("data-0/") + file),
                          SQLite::OPEN_READONLY, 10'000);
      EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok")
          << file;
    }
  }

  std::vector<std::string> jobs_flags_;
  std::string database_url_;  // empty: SQLite
  testing::PostgresCluster* cluster_ = nullptr;
  std::string database_;
  helpdesk::testing::TempDir dir_;
  std::unique_ptr<testing::ReplicaSet> processes_;
  int http_port_ = 0;
};

TEST_P(SplitE2eTest, TicketLifecycleNotifiesAndAuditsAcrossProcesses) {
  RunLifecycle();
}

// The same flow against the all-in-one binary.
class AllInOneE2eTest : public SplitE2eTest {
 protected:
  void SetUp() override {
    UseEngine();
    std::vector<std::string> argv = {
        RunfilePath("services/helpdeskd/helpdeskd"), "--grpc_port=0",
        "--http_port=0", "--sweep_interval=1h",
        "--data_dir=" + dir_.File("data")};
    if (!database_url_.empty())
      argv.push_back("--database_url=" + database_url_);
    auto process = Subprocess::Start(argv);
    ASSERT_THAT(process, IsOk());
    helpdeskd_ = std::move(*process);
    auto port = helpdeskd_->WaitForLine("http_port=", absl::Seconds(60));
    ASSERT_THAT(port, IsOk());
    ASSERT_TRUE(absl::SimpleAtoi(*port, &http_port_));
  }

  std::unique_ptr<Subprocess> helpdeskd_;
};

TEST_P(AllInOneE2eTest, TicketLifecycleNotifiesAndAudits) { RunLifecycle(); }

TEST_P(SplitE2eTest,
       AuditCrashWhileTicketsAreCreatedLosesAndDuplicatesNothing) {
  const std::string user = SignIn("userb@example.com");
  const std::string admin = SignIn("admina@example.com");
  Kill("audit");
  for (int i = 0; i < 5; ++i) {
    TestResponse created =
        Call(user, "POST", "/v1/tickets",
             absl::StrCat(R"({"title":"Created while audit is down )", i,
                          R"(","body":"Nothing may be lost"})"));
    ASSERT_EQ(created.status, 200) << created.body;
  }
  Start("audit");
  EXPECT_TRUE(Eventually(admin, "/v1/auditEvents?action=ticket.created",
                         "Created while audit is down 4"));
  absl::SleepFor(absl::Seconds(1));  // a duplicate would have arrived by now
  const std::string events =
      Call(admin, "GET", "/v1/auditEvents?action=ticket.created").body;
  EXPECT_EQ(e2e::CountOf(events, "Created while audit is down"), 5);
  ExpectIntactDatabases();
}

TEST_P(SplitE2eTest,
       NotificationCrashWhileAssigningNotifiesEachOnceAfterRestart) {
  const std::string user = SignIn("userc@example.com");
  const std::string admin = SignIn("admina@example.com");
  const std::string admin_b = SignIn("adminb@example.com");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(CreateTicket(user, i));
  Kill("notification");
  for (const std::string& id : ids) {
    TestResponse assigned = Call(admin, "POST", "/v1/tickets/" + id + ":assign",
                                 R"({"assigneeId":"2"})");
    ASSERT_EQ(assigned.status, 200) << assigned.body;
  }
  Start("notification");
  EXPECT_TRUE(
      Eventually(admin_b, "/v1/notifications:unreadCount", R"("count":"3")"));
  absl::SleepFor(absl::Seconds(1));  // no duplicate follows
  EXPECT_THAT(Call(admin_b, "GET", "/v1/notifications:unreadCount").body,
              HasSubstr(R"("count":"3")"));
  ExpectIntactDatabases();
}

class SplitE2eLeaseTest : public SplitE2eTest {
 protected:
  void SetUp() override {
    jobs_flags_ = {"--lease=3s", "--handler_timeout=2s", "--workers=1"};
    SplitE2eTest::SetUp();
  }
};

// A job is running when its worker's process dies: the lease expires and a
// restarted jobs server runs it again; the notification arrives once.
TEST_P(SplitE2eLeaseTest, JobsCrashMidJobIsFinishedAfterTheLeaseExpires) {
  const std::string user = SignIn("userd@example.com");
  const std::string admin = SignIn("admina@example.com");
  const std::string admin_b = SignIn("adminb@example.com");
  const std::string id = CreateTicket(user, 1);
  // Freeze the notification server: the handler's call hangs, so the job
  // stays RUNNING under its lease.
  Signal("notification", SIGSTOP);
  ASSERT_EQ(Call(admin, "POST", "/v1/tickets/" + id + ":assign",
                 R"({"assigneeId":"2"})")
                .status,
            200);
  EXPECT_TRUE(Eventually(admin, "/v1/jobs?state=RUNNING", "ticket.assigned"));
  Kill("jobs");
  Signal("notification", SIGCONT);
  Start("jobs");
  EXPECT_TRUE(Eventually(admin, "/v1/jobs?state=SUCCEEDED", "ticket.assigned"));
  EXPECT_TRUE(
      Eventually(admin_b, "/v1/notifications:unreadCount", R"("count":"1")"));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_THAT(Call(admin_b, "GET", "/v1/notifications:unreadCount").body,
              HasSubstr(R"("count":"1")"));
  ExpectIntactDatabases();
}

class SplitE2eDeadJobTest : public SplitE2eTest {
 protected:
  void SetUp() override {
    jobs_flags_ = {"--max_attempts=2", "--handler_timeout=1s"};
    SplitE2eTest::SetUp();
  }
};

// Notification stays down longer than max_attempts allows: the job goes
// DEAD; once notification is back, an admin's RetryJob delivers it once.
TEST_P(SplitE2eDeadJobTest, DeadJobIsDeliveredOnceByRetryJob) {
  const std::string user = SignIn("usera@example.com");
  const std::string admin = SignIn("admina@example.com");
  const std::string admin_b = SignIn("adminb@example.com");
  const std::string id = CreateTicket(user, 2);
  Kill("notification");
  ASSERT_EQ(Call(admin, "POST", "/v1/tickets/" + id + ":assign",
                 R"({"assigneeId":"2"})")
                .status,
            200);
  ASSERT_TRUE(Eventually(admin, "/v1/jobs?state=DEAD", "ticket.assigned"));
  Start("notification");
  const std::string job =
      e2e::IdOf(Call(admin, "GET", "/v1/jobs?state=DEAD").body);
  TestResponse retried =
      Call(admin, "POST", "/v1/jobs/" + job + ":retry", "{}");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_TRUE(
      Eventually(admin_b, "/v1/notifications:unreadCount", R"("count":"1")"));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_THAT(Call(admin_b, "GET", "/v1/notifications:unreadCount").body,
              HasSubstr(R"("count":"1")"));
  EXPECT_EQ(Call(admin, "POST", "/v1/jobs/" + job + ":retry", "{}").status, 400)
      << "only a DEAD job can be retried (FAILED_PRECONDITION)";
  ExpectIntactDatabases();
}

HELPDESK_INSTANTIATE_ENGINES(SplitE2eTest);
HELPDESK_INSTANTIATE_ENGINES(AllInOneE2eTest);
HELPDESK_INSTANTIATE_ENGINES(SplitE2eLeaseTest);
HELPDESK_INSTANTIATE_ENGINES(SplitE2eDeadJobTest);

}  // namespace
}  // namespace helpdesk
