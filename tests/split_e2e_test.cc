// End to end in split mode: the six real binaries as separate processes
// (auth, audit, ticket, notification, jobs, gateway) on loopback ports with
// one data directory and one shared credential, driven through the gateway
// with a real HTTP client — the whole flow, then a crash of the audit
// server while tickets are created. Every case runs on both storage
// engines: SQLite files in the data directory, and one fresh database of a
// private PostgreSQL cluster (--database_url, a schema per service).
#include <signal.h>

#include <fstream>
#include <map>
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
#include "libs/testing/free_port.h"
#include "libs/testing/postgres_cluster.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"

namespace helpdesk {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::gateway::testing::TestResponse;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;
using ::helpdesk::testing::WaitFor;
using ::testing::HasSubstr;

constexpr char kServiceToken[] = "split-e2e-token-0123456789abcdef0123456789";

class SplitE2eTest : public ::testing::TestWithParam<db::Engine> {
 protected:
  void SetUp() override {
    UseEngine();
    std::ofstream(dir_.File("service_token")) << kServiceToken;
    for (const char* name :
         {"auth", "audit", "ticket", "notification", "jobs"}) {
      ports_[name] = helpdesk::testing::PickUnusedPort();
    }
    for (const char* name :
         {"auth", "audit", "ticket", "notification", "jobs"}) {
      Start(name);
    }
    Start("gateway");
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
    // pg_amcheck takes a database name, not a URI.
    amcheck_ = {"/usr/lib/postgresql/15/bin/pg_amcheck",
                "--install-missing",
                "--heapallindexed",
                "-h",
                cluster->socket_dir(),
                "-p",
                absl::StrCat(cluster->port()),
                "-U",
                "postgres",
                name};
  }

  // Where a server keeps its data.
  std::vector<std::string> DataFlags() {
    std::vector<std::string> flags = {"--data_dir=" + dir_.File("data")};
    if (!database_url_.empty()) {
      flags.push_back("--database_url=" + database_url_);
    }
    return flags;
  }

  std::vector<std::string> CommonFlags() {
    std::vector<std::string> flags = {"--service_token_file=" +
                                      dir_.File("service_token")};
    for (const auto& [name, port] : ports_) {
      flags.push_back(absl::StrCat("--", name, "_target=127.0.0.1:", port));
    }
    return flags;
  }

  // Starts (or restarts) one process and waits until it serves.
  void Start(const std::string& name) {
    std::vector<std::string> argv;
    if (name == "helpdeskd") {
      argv = {RunfilePath("services/helpdeskd/helpdeskd"), "--grpc_port=0",
              "--http_port=0", "--sweep_interval=1h"};
      for (std::string& flag : DataFlags()) argv.push_back(flag);
      auto process = Subprocess::Start(argv);
      ASSERT_THAT(process, IsOk());
      processes_[name] = std::move(*process);
      auto port =
          processes_[name]->WaitForLine("http_port=", absl::Seconds(60));
      ASSERT_THAT(port, IsOk());
      ASSERT_TRUE(absl::SimpleAtoi(*port, &http_port_));
      return;
    }
    if (name == "gateway") {
      argv = {RunfilePath("gateway/gateway"), "--port=0"};
    } else {
      argv = {
          RunfilePath(absl::StrCat("services/", name, "/", name, "_server")),
          absl::StrCat("--port=", ports_[name])};
      for (std::string& flag : DataFlags()) argv.push_back(flag);
    }
    for (std::string& flag : CommonFlags()) argv.push_back(flag);
    if (name == "auth") {
      argv.push_back("--argon2_memory_kib=64");
      argv.push_back("--argon2_iterations=1");
    }
    if (name == "jobs") {
      argv.push_back("--sweep_interval=1h");
      for (const std::string& flag : jobs_flags_) argv.push_back(flag);
    }
    auto process = Subprocess::Start(argv);
    ASSERT_THAT(process, IsOk()) << name;
    processes_[name] = std::move(*process);
    const std::string prefix = name == "gateway" ? "http_port=" : "grpc_port=";
    auto port = processes_[name]->WaitForLine(prefix, absl::Seconds(60));
    ASSERT_THAT(port, IsOk()) << name;
    if (name == "gateway") {
      ASSERT_TRUE(absl::SimpleAtoi(*port, &http_port_));
    }
  }

  void Signal(const std::string& name, int signal) {
    processes_[name]->Signal(signal);
  }

  void Kill(const std::string& name) {
    processes_[name]->Signal(SIGKILL);
    ASSERT_THAT(processes_[name]->Wait(absl::Seconds(30)), IsOk());
  }

  // Signs in through the gateway; returns the session cookie.
  std::string SignIn(const std::string& email) {
    TestHttpClient http(http_port_);
    auto response = http.Send(
        "POST", "/v1/auth/login",
        absl::StrCat(R"({"email":")", email, R"(","password":"demo123"})"),
        {{"Content-Type", "application/json"}});
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return "";
    EXPECT_EQ(response->status, 200) << response->body;
    std::string cookie = response->Header("set-cookie").value_or("");
    return cookie.substr(0, cookie.find(';'));
  }

  TestResponse Call(const std::string& cookie, const std::string& method,
                    const std::string& target, const std::string& body = "") {
    TestHttpClient http(http_port_);
    auto response =
        http.Send(method, target, body,
                  {{"Cookie", cookie}, {"Content-Type", "application/json"}});
    EXPECT_THAT(response, IsOk()) << method << " " << target;
    return response.ok() ? *response : TestResponse{};
  }

  // Polls `target` until its body contains `needle` (asynchronous delivery
  // through outboxes and the job queue), for at most 30 s.
  bool Eventually(const std::string& cookie, const std::string& target,
                  const std::string& needle) {
    return WaitFor(
        [&] {
          return absl::StrContains(Call(cookie, "GET", target).body, needle);
        },
        absl::Seconds(30), absl::Milliseconds(100));
  }

  // The id in a JSON ticket or job.
  static std::string IdOf(const std::string& json) {
    const size_t at = json.find(R"("id":")") + 6;
    return json.substr(at, json.find('"', at) - at);
  }

  // Creates a ticket as `cookie` and returns its id.
  std::string CreateTicket(const std::string& cookie, int n) {
    TestResponse created = Call(
        cookie, "POST", "/v1/tickets",
        absl::StrCat(R"({"title":"Fault ticket )", n, R"(","body":"Body"})"));
    EXPECT_EQ(created.status, 200) << created.body;
    return IdOf(created.body);
  }

  // Sign-in, tickets (create, edit, search, filter, page), assignment and
  // status change notifying the right people once, the audit trail with
  // before/after, the login rate limit, logout.
  void RunLifecycle() {
    const std::string user = SignIn("usera@example.com");
    const std::string admin = SignIn("admina@example.com");
    const std::string admin_b = SignIn("adminb@example.com");

    TestResponse created =
        Call(user, "POST", "/v1/tickets",
             R"({"title":"Split printer","body":"Jams across processes"})");
    ASSERT_EQ(created.status, 200) << created.body;
    EXPECT_THAT(created.body, HasSubstr(R"("requesterName":"User A")"));
    const std::string id = IdOf(created.body);

    TestResponse assigned = Call(admin, "POST", "/v1/tickets/" + id + ":assign",
                                 R"({"assigneeId":"2"})");
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    EXPECT_TRUE(
        Eventually(admin_b, "/v1/notifications:unreadCount", R"("count":"1")"));

    TestResponse resolved =
        Call(admin, "PATCH", "/v1/tickets/" + id, R"({"status":"RESOLVED"})");
    ASSERT_EQ(resolved.status, 200) << resolved.body;
    EXPECT_TRUE(
        Eventually(user, "/v1/notifications:unreadCount", R"("count":"1")"));
    EXPECT_TRUE(Eventually(admin,
                           "/v1/auditEvents?entityType=ticket&entityId=" + id,
                           "ticket.status_changed"));
    const std::string trail =
        Call(admin, "GET", "/v1/auditEvents?entityType=ticket&entityId=" + id)
            .body;
    EXPECT_THAT(trail, HasSubstr("ticket.created"));
    EXPECT_THAT(trail, HasSubstr("ticket.assigned"));
    EXPECT_THAT(trail, HasSubstr(R"("before":{"status":"OPEN"})"));

    // The owner edits; search, filters and paging see it.
    ASSERT_EQ(Call(user, "PATCH", "/v1/tickets/" + id,
                   R"({"title":"Split printer on fire"})")
                  .status,
              200);
    for (int i = 0; i < 2; ++i) CreateTicket(user, i);
    TestResponse found = Call(user, "GET", "/v1/tickets?query=fire");
    EXPECT_THAT(found.body, HasSubstr("Split printer on fire"));
    EXPECT_THAT(found.body, HasSubstr(R"("totalSize":1)"));
    TestResponse page = Call(user, "GET", "/v1/tickets?status=OPEN&pageSize=1");
    // The two just created, plus the demo tickets of the all-in-one binary.
    const size_t total_at = page.body.find(R"("totalSize":)") + 12;
    int total = 0;
    ASSERT_TRUE(absl::SimpleAtoi(
        page.body.substr(total_at, page.body.find('}', total_at) - total_at),
        &total));
    EXPECT_GE(total, 2);
    const size_t token_at = page.body.find(R"("nextPageToken":")") + 17;
    const std::string token =
        page.body.substr(token_at, page.body.find('"', token_at) - token_at);
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(Call(user, "GET",
                   "/v1/tickets?status=OPEN&pageSize=1&pageToken=" + token)
                  .status,
              200);

    // Five failed logins for one account, then 429 with Retry-After.
    TestHttpClient http(http_port_);
    for (int i = 0; i < 5; ++i) {
      auto wrong =
          http.Send("POST", "/v1/auth/login",
                    R"({"email":"userd@example.com","password":"nope"})",
                    {{"Content-Type", "application/json"}});
      ASSERT_THAT(wrong, IsOk());
      EXPECT_EQ(wrong->status, 401);
    }
    auto limited =
        http.Send("POST", "/v1/auth/login",
                  R"({"email":"userd@example.com","password":"nope"})",
                  {{"Content-Type", "application/json"}});
    ASSERT_THAT(limited, IsOk());
    EXPECT_EQ(limited->status, 429);
    EXPECT_TRUE(limited->Header("retry-after").has_value());

    EXPECT_EQ(Call(user, "POST", "/v1/auth/logout", "{}").status, 200);
    // Every service's token cache forgets the session within 2 s.
    absl::SleepFor(absl::Milliseconds(2500));
    EXPECT_EQ(Call(user, "GET", "/v1/tickets").status, 401);
  }

  // PRAGMA integrity_check on every service database; on PostgreSQL
  // pg_amcheck (B-tree and heap checks) on the whole database.
  void ExpectIntactDatabases() {
    if (!database_url_.empty()) {
      auto check = Subprocess::Start(amcheck_);
      ASSERT_THAT(check, IsOk());
      auto exited = (*check)->Wait(absl::Seconds(120));
      ASSERT_THAT(exited, IsOk());
      EXPECT_EQ(*exited, 0) << "pg_amcheck found corruption";
      return;
    }
    for (const char* file :
         {"auth.db", "audit.db", "tickets.db", "notifications.db", "jobs.db"}) {
      SQLite::Database db(dir_.File(std::string("data/") + file),
                          SQLite::OPEN_READONLY, 10'000);
      EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok")
          << file;
    }
  }

  std::vector<std::string> jobs_flags_;
  std::string database_url_;          // empty: SQLite
  std::vector<std::string> amcheck_;  // PostgreSQL's integrity check
  helpdesk::testing::TempDir dir_;
  std::map<std::string, int> ports_;
  std::map<std::string, std::unique_ptr<Subprocess>> processes_;
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
    Start("helpdeskd");
  }
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
  int count = 0;
  for (size_t at = 0; (at = events.find("Created while audit is down", at)) !=
                      std::string::npos;
       ++at) {
    ++count;
  }
  EXPECT_EQ(count, 5);
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
  const std::string job = IdOf(Call(admin, "GET", "/v1/jobs?state=DEAD").body);
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
