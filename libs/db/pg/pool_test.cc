// The PostgreSQL connection pool against a real private PostgreSQL 15
// server (testing::PostgresCluster).
#include "libs/db/pg/pool.h"

#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/postgres_cluster.h"

namespace helpdesk::db::pg {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::PostgresCluster;
using ::helpdesk::testing::StatusIs;

class PoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = PostgresCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster).release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    const std::string name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string database = "t_";
    for (char c : name) database += static_cast<char>(std::tolower(c));
    ASSERT_THAT(cluster_->CreateDatabase(database), IsOk());
    options_.conninfo = cluster_->ConnectionUri(database);
  }

  std::unique_ptr<Pool> Open() {
    auto pool = Pool::Open(options_);
    EXPECT_THAT(pool, IsOk());
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  static PostgresCluster* cluster_;
  PoolOptions options_;
};

PostgresCluster* PoolTest::cluster_ = nullptr;

TEST_F(PoolTest, ParametersAreDataNotSql) {
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  const std::string hostile = "'); DROP TABLE notes; -- \\ % _ \" $1";
  ASSERT_THAT(pool->WithConnection([&](Connection& db) -> absl::Status {
    RETURN_IF_ERROR(
        db.ExecuteScript("CREATE TABLE notes (id bigint PRIMARY KEY, "
                         "body text, extra text)"));
    RETURN_IF_ERROR(
        db.Execute("INSERT INTO notes VALUES ($1, $2, $3)",
                   {Param(int64_t{1}), Param(hostile), Param::Null()})
            .status());
    absl::StatusOr<Result> rows = db.Execute(
        "SELECT id, body, extra FROM notes WHERE body = $1", {Param(hostile)});
    RETURN_IF_ERROR(rows.status());
    EXPECT_EQ(rows->rows(), 1);
    EXPECT_EQ(rows->Int64(0, 0), 1);
    EXPECT_EQ(rows->Text(0, 1), hostile);
    EXPECT_TRUE(rows->IsNull(0, 2));
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(PoolTest, ErrorsMapToCodesWithoutServerText) {
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  ASSERT_THAT(pool->WithConnection([](Connection& db) {
    return db.ExecuteScript(
        "CREATE TABLE users (email text UNIQUE, age int CHECK (age >= 0))");
  }),
              IsOk());
  auto run = [&](const std::string& sql) {
    return pool->WithConnection(
        [&](Connection& db) { return db.Execute(sql).status(); });
  };
  ASSERT_THAT(run("INSERT INTO users VALUES ('a@example.com', 1)"), IsOk());
  absl::Status duplicate = run("INSERT INTO users VALUES ('a@example.com', 2)");
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(duplicate.message().find("users"), std::string::npos);
  EXPECT_THAT(run("INSERT INTO users VALUES ('b@example.com', -1)"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::Status syntax = run("SELEC nothing");
  EXPECT_THAT(syntax, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(syntax.message(), "database error");
  EXPECT_EQ(CodeForSqlState("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeForSqlState("40P01"), absl::StatusCode::kAborted);
}

TEST_F(PoolTest, FailedTransactionRollsBack) {
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  ASSERT_THAT(pool->WithConnection([](Connection& db) {
    return db.ExecuteScript("CREATE TABLE t (n int)");
  }),
              IsOk());
  EXPECT_THAT(pool->WithConnection([](Connection& db) {
    return db.InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(db.Execute("INSERT INTO t VALUES (1)").status());
      return absl::AbortedError("changed my mind");
    });
  }),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(pool->WithConnection([](Connection& db) -> absl::Status {
    absl::StatusOr<Result> rows = db.Execute("SELECT count(*) FROM t");
    RETURN_IF_ERROR(rows.status());
    EXPECT_EQ(rows->Int64(0, 0), 0);
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(PoolTest, StatementTimeoutIsDeadlineExceeded) {
  options_.statement_timeout = absl::Milliseconds(200);
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  EXPECT_THAT(pool->WithConnection([](Connection& db) {
    return db.Execute("SELECT pg_sleep(5)").status();
  }),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The connection is still good afterwards.
  EXPECT_THAT(pool->WithConnection([](Connection& db) {
    return db.Execute("SELECT 1").status();
  }),
              IsOk());
}

TEST_F(PoolTest, NeverOpensMoreThanItsSize) {
  options_.size = 3;
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        absl::Status status = pool->WithConnection([&](Connection& db) {
          const int now = ++inside;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          absl::Status ran = db.Execute("SELECT pg_sleep(0.001)").status();
          --inside;
          return ran;
        });
        if (!status.ok()) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(most.load(), 3);
  EXPECT_LE(pool->open_connections(), 3);
}

TEST_F(PoolTest, BusyPoolAnswersUnavailableAfterTheAcquireTimeout) {
  options_.size = 1;
  options_.acquire_timeout = absl::Milliseconds(100);
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  EXPECT_THAT(pool->WithConnection([&](Connection&) {
    return pool->WithConnection([](Connection&) { return absl::OkStatus(); });
  }),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(PoolTest, ReconnectsAfterTheServerRestarts) {
  auto pool = Open();
  ASSERT_NE(pool, nullptr);
  ASSERT_THAT(pool->WithConnection([](Connection& db) {
    return db.Execute("SELECT 1").status();
  }),
              IsOk());
  ASSERT_THAT(cluster_->Restart(), IsOk());
  // The pooled connection died with the old server: that call fails
  // UNAVAILABLE, and the pool drops it.
  EXPECT_THAT(pool->WithConnection([](Connection& db) {
    return db.Execute("SELECT 1").status();
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool->WithConnection([](Connection& db) {
    return db.Execute("SELECT 1").status();
  }),
              IsOk());
}

TEST(PoolOpenTest, WrongAddressIsUnavailableAtOpen) {
  PoolOptions options;
  options.conninfo = "postgresql:///none?host=/nonexistent&port=1";
  EXPECT_THAT(Pool::Open(options), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace helpdesk::db::pg
