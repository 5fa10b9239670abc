#include "libs/testing/postgres_cluster.h"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Ne;
using ::testing::Not;
using Rows = std::vector<std::vector<std::string>>;

// A StatusOr<T> that is OK and whose value matches `matcher`.
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};

Conn Connect(const std::string& uri) { return Conn(PQconnectdb(uri.c_str())); }

// Runs `sql`; the rows it returns (none for a command), or its error with
// the SQLSTATE first, e.g. "42P01: relation ... does not exist".
absl::StatusOr<Rows> Exec(PGconn* conn, const std::string& sql) {
  std::unique_ptr<PGresult, ResultDeleter> result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK) return Rows{};
  if (status != PGRES_TUPLES_OK) {
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    return absl::InternalError(
        absl::StrCat(sqlstate != nullptr ? sqlstate : "-----", ": ",
                     PQresultErrorMessage(result.get())));
  }
  Rows rows;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    rows.emplace_back();
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      rows.back().push_back(PQgetvalue(result.get(), row, column));
    }
  }
  return rows;
}

std::unique_ptr<PostgresCluster> StartOrDie() {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
      PostgresCluster::Start();
  if (!cluster.ok()) {
    ADD_FAILURE() << cluster.status();
    return nullptr;
  }
  std::cerr << "PostgresCluster::Start took "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  return *std::move(cluster);
}

TEST(PostgresClusterTest, RunsSqlOverItsUnixSocket) {
  std::unique_ptr<PostgresCluster> cluster = StartOrDie();
  ASSERT_NE(cluster, nullptr);
  EXPECT_TRUE(std::filesystem::exists(
      absl::StrCat(cluster->socket_dir(), "/.s.PGSQL.", cluster->port())));
  EXPECT_EQ(cluster->ConnectionUri("x"),
            absl::StrCat("postgresql:///x?host=", cluster->socket_dir(),
                         "&port=", cluster->port(), "&user=postgres"));

  Conn conn = Connect(cluster->ConnectionUri());
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_GE(PQserverVersion(conn.get()), 150000);
  EXPECT_LT(PQserverVersion(conn.get()), 160000);
  EXPECT_THAT(
      Exec(conn.get(),
           "SELECT current_database(), current_user, "
           "current_setting('listen_addresses'), "
           "current_setting('fsync'), "
           "current_setting('synchronous_commit'), "
           "current_setting('full_page_writes'), "
           "current_setting('server_encoding'), "
           "current_setting('lc_collate')"),
      IsOkAndHolds(ElementsAre(ElementsAre("helpdesk", "postgres", "", "off",
                                           "off", "off", "UTF8", "C"))));

  ASSERT_THAT(Exec(conn.get(),
                   "CREATE TABLE tickets (id bigint PRIMARY KEY, title text)"),
              IsOk());
  ASSERT_THAT(Exec(conn.get(),
                   "INSERT INTO tickets VALUES (1, 'printer'), (2, 'Grüße')"),
              IsOk());
  EXPECT_THAT(Exec(conn.get(), "SELECT id, title FROM tickets ORDER BY id"),
              IsOkAndHolds(ElementsAre(ElementsAre("1", "printer"),
                                       ElementsAre("2", "Grüße"))));
  EXPECT_THAT(Exec(conn.get(), "INSERT INTO tickets VALUES (1, 'again')"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("23505")));
}

TEST(PostgresClusterTest, RunsAsPostgresUnderRoot) {
  std::unique_ptr<PostgresCluster> cluster = StartOrDie();
  ASSERT_NE(cluster, nullptr);
  ASSERT_NE(cluster->pid(), 0);
  struct stat process;
  ASSERT_EQ(stat(absl::StrCat("/proc/", cluster->pid()).c_str(), &process), 0);
  struct stat data;
  ASSERT_EQ(stat(cluster->data_dir().c_str(), &data), 0);
  if (geteuid() == 0) {
    EXPECT_NE(process.st_uid, 0u);
  } else {
    EXPECT_EQ(process.st_uid, geteuid());
  }
  EXPECT_EQ(data.st_uid, process.st_uid);
  EXPECT_EQ(data.st_mode & 0777, 0700u);
}

TEST(PostgresClusterTest, CreateDatabaseIsolatesTests) {
  std::unique_ptr<PostgresCluster> cluster = StartOrDie();
  ASSERT_NE(cluster, nullptr);
  ASSERT_THAT(cluster->CreateDatabase("test_a"), IsOk());
  ASSERT_THAT(cluster->CreateDatabase("Test \"b\""), IsOk());
  EXPECT_THAT(cluster->CreateDatabase("test_a"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("test_a")));

  Conn a = Connect(cluster->ConnectionUri("test_a"));
  ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
  Conn b = Connect(cluster->ConnectionUri("Test \"b\""));
  ASSERT_EQ(PQstatus(b.get()), CONNECTION_OK) << PQerrorMessage(b.get());
  EXPECT_THAT(Exec(b.get(), "SELECT current_database()"),
              IsOkAndHolds(ElementsAre(ElementsAre("Test \"b\""))));

  ASSERT_THAT(Exec(a.get(), "CREATE TABLE only_in_a (x int)"), IsOk());
  ASSERT_THAT(Exec(a.get(), "INSERT INTO only_in_a VALUES (7)"), IsOk());
  EXPECT_THAT(Exec(a.get(), "SELECT x FROM only_in_a"),
              IsOkAndHolds(ElementsAre(ElementsAre("7"))));
  // 42P01: undefined_table.
  EXPECT_THAT(Exec(b.get(), "SELECT x FROM only_in_a"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("42P01")));
  Conn main = Connect(cluster->ConnectionUri());
  ASSERT_EQ(PQstatus(main.get()), CONNECTION_OK) << PQerrorMessage(main.get());
  EXPECT_THAT(Exec(main.get(), "SELECT x FROM only_in_a"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("42P01")));

  Conn missing = Connect(cluster->ConnectionUri("no_such_database"));
  EXPECT_EQ(PQstatus(missing.get()), CONNECTION_BAD);
  EXPECT_THAT(PQerrorMessage(missing.get()), HasSubstr("does not exist"));
}

TEST(PostgresClusterTest, RestartKeepsDataAndTakesNewConnections) {
  std::unique_ptr<PostgresCluster> cluster = StartOrDie();
  ASSERT_NE(cluster, nullptr);
  Conn before = Connect(cluster->ConnectionUri());
  ASSERT_EQ(PQstatus(before.get()), CONNECTION_OK)
      << PQerrorMessage(before.get());
  ASSERT_THAT(Exec(before.get(), "CREATE TABLE kept (x text)"), IsOk());
  ASSERT_THAT(Exec(before.get(), "INSERT INTO kept VALUES ('survives')"),
              IsOk());
  const pid_t old_pid = cluster->pid();

  const absl::Time start = absl::Now();
  ASSERT_THAT(cluster->Restart(), IsOk());
  std::cerr << "PostgresCluster::Restart took "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  EXPECT_THAT(cluster->pid(), Ne(old_pid));
  EXPECT_NE(cluster->pid(), 0);

  // The old connection was cut by the shutdown.
  EXPECT_THAT(Exec(before.get(), "SELECT x FROM kept"), Not(IsOk()));
  EXPECT_EQ(PQstatus(before.get()), CONNECTION_BAD);
  // libpq's own reconnect, on the same URI, works.
  PQreset(before.get());
  ASSERT_EQ(PQstatus(before.get()), CONNECTION_OK)
      << PQerrorMessage(before.get());
  EXPECT_THAT(Exec(before.get(), "SELECT x FROM kept"),
              IsOkAndHolds(ElementsAre(ElementsAre("survives"))));

  Conn after = Connect(cluster->ConnectionUri());
  ASSERT_EQ(PQstatus(after.get()), CONNECTION_OK)
      << PQerrorMessage(after.get());
  EXPECT_THAT(Exec(after.get(), "SELECT x FROM kept"),
              IsOkAndHolds(ElementsAre(ElementsAre("survives"))));
  ASSERT_THAT(Exec(after.get(), "INSERT INTO kept VALUES ('later')"), IsOk());
  ASSERT_THAT(cluster->Restart(), IsOk());
  Conn again = Connect(cluster->ConnectionUri());
  ASSERT_EQ(PQstatus(again.get()), CONNECTION_OK)
      << PQerrorMessage(again.get());
  EXPECT_THAT(
      Exec(again.get(), "SELECT x FROM kept ORDER BY x"),
      IsOkAndHolds(ElementsAre(ElementsAre("later"), ElementsAre("survives"))));
}

TEST(PostgresClusterTest, TwoClustersInOneProcessDoNotCollide) {
  std::unique_ptr<PostgresCluster> first = StartOrDie();
  ASSERT_NE(first, nullptr);
  std::unique_ptr<PostgresCluster> second = StartOrDie();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->socket_dir(), second->socket_dir());
  EXPECT_NE(first->data_dir(), second->data_dir());
  EXPECT_NE(first->pid(), second->pid());
  EXPECT_NE(first->ConnectionUri(), second->ConnectionUri());

  Conn one = Connect(first->ConnectionUri());
  ASSERT_EQ(PQstatus(one.get()), CONNECTION_OK) << PQerrorMessage(one.get());
  Conn two = Connect(second->ConnectionUri());
  ASSERT_EQ(PQstatus(two.get()), CONNECTION_OK) << PQerrorMessage(two.get());
  // The same table name in both, different contents.
  ASSERT_THAT(Exec(one.get(), "CREATE TABLE t (x text)"), IsOk());
  ASSERT_THAT(Exec(two.get(), "CREATE TABLE t (x text)"), IsOk());
  ASSERT_THAT(Exec(one.get(), "INSERT INTO t VALUES ('one')"), IsOk());
  ASSERT_THAT(Exec(two.get(), "INSERT INTO t VALUES ('two')"), IsOk());
  EXPECT_THAT(Exec(one.get(), "SELECT x FROM t"),
              IsOkAndHolds(ElementsAre(ElementsAre("one"))));
  EXPECT_THAT(Exec(two.get(), "SELECT x FROM t"),
              IsOkAndHolds(ElementsAre(ElementsAre("two"))));
  ASSERT_THAT(first->CreateDatabase("only_in_first"), IsOk());
  Conn other = Connect(second->ConnectionUri("only_in_first"));
  EXPECT_EQ(PQstatus(other.get()), CONNECTION_BAD);

  // Restarting or destroying one leaves the other serving.
  ASSERT_THAT(first->Restart(), IsOk());
  EXPECT_THAT(Exec(two.get(), "SELECT x FROM t"),
              IsOkAndHolds(ElementsAre(ElementsAre("two"))));
  one.reset();
  first.reset();
  EXPECT_THAT(Exec(two.get(), "SELECT x FROM t"),
              IsOkAndHolds(ElementsAre(ElementsAre("two"))));
}

TEST(PostgresClusterTest, DestructorStopsServerAndRemovesDirectory) {
  std::unique_ptr<PostgresCluster> cluster = StartOrDie();
  ASSERT_NE(cluster, nullptr);
  const std::string dir = cluster->socket_dir();
  const std::string uri = cluster->ConnectionUri();
  const pid_t pid = cluster->pid();
  Conn conn = Connect(uri);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  ASSERT_TRUE(std::filesystem::exists(dir));

  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
  // Reaped: no such process (the pid is not reused this soon).
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_THAT(Exec(conn.get(), "SELECT 1"), Not(IsOk()));
  EXPECT_EQ(PQping(uri.c_str()), PQPING_NO_RESPONSE);
}

}  // namespace
}  // namespace helpdesk::testing
