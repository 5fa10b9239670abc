#ifndef HELPDESK_LIBS_TESTING_STORE_ENGINES_H_
#define HELPDESK_LIBS_TESTING_STORE_ENGINES_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/testing/postgres_cluster.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::testing {

// A fixture for conformance tests that run every case on both storage
// engines: write TEST_P(MyStoreTest, ...) with
//
//   class MyStoreTest : public testing::EngineTest {};
//   HELPDESK_INSTANTIATE_ENGINES(MyStoreTest);
//
// and open the store on NewLocation("tickets"). On SQLite that is a file in
// a fresh temp dir; on PostgreSQL a fresh database (one per call) on a
// private cluster that the test binary starts at the first PostgreSQL case
// and stops at exit (see PostgresCluster).
class EngineTest : public ::testing::TestWithParam<db::Engine> {
 protected:
  db::Engine engine() const { return GetParam(); }
  bool postgres() const { return engine() == db::Engine::kPostgres; }

  // Where a new store of this test lives: `schema` names its PostgreSQL
  // schema (and, with .db, its SQLite file). Fails the test (and returns a
  // SQLite location) if the cluster cannot start.
  db::Location NewLocation(absl::string_view schema);

  // The URI of the database the last NewLocation() made (PostgreSQL), for
  // tests that open a second store on the same data.
  const std::string& postgres_url() const { return postgres_url_; }

  TempDir dir_;

 private:
  std::string postgres_url_;
};

// The binary's shared private cluster, started on first use; null (with
// the error in `error`) if it cannot start.
PostgresCluster* SharedPostgresCluster(std::string* error = nullptr);

// "Sqlite" / "Postgres", for parameterised test names.
std::string EngineTestName(const ::testing::TestParamInfo<db::Engine>& info);

}  // namespace helpdesk::testing

#define HELPDESK_INSTANTIATE_ENGINES(suite)                 \
  INSTANTIATE_TEST_SUITE_P(                                 \
      Engines, suite,                                       \
      ::testing::Values(::helpdesk::db::Engine::kSqlite,    \
                        ::helpdesk::db::Engine::kPostgres), \
      ::helpdesk::testing::EngineTestName)

#endif  // HELPDESK_LIBS_TESTING_STORE_ENGINES_H_
