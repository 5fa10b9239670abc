#include "libs/testing/store_engines.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/testing/postgres_cluster.h"

namespace helpdesk::testing {
namespace {

PostgresCluster* cluster = nullptr;
std::string* start_error = nullptr;

void StopCluster() {
  delete cluster;
  cluster = nullptr;
}

}  // namespace

PostgresCluster* SharedPostgresCluster(std::string* error) {
  if (cluster == nullptr && start_error == nullptr) {
    absl::StatusOr<std::unique_ptr<PostgresCluster>> started =
        PostgresCluster::Start();
    if (started.ok()) {
      cluster = started->release();
      std::atexit(StopCluster);
    } else {
      start_error = new std::string(started.status().ToString());
    }
  }
  if (cluster == nullptr && error != nullptr) *error = *start_error;
  return cluster;
}

db::Location EngineTest::NewLocation(absl::string_view schema) {
  db::Location location;
  location.path = dir_.File(absl::StrCat(schema, ".db"));
  if (!postgres()) return location;
  std::string error;
  PostgresCluster* server = SharedPostgresCluster(&error);
  if (server == nullptr) {
    ADD_FAILURE() << "cannot start PostgreSQL: " << error;
    return location;
  }
  static int databases = 0;
  const std::string database = absl::StrCat("test_", ++databases);
  const absl::Status created = server->CreateDatabase(database);
  if (!created.ok()) {
    ADD_FAILURE() << "CREATE DATABASE " << database << ": " << created;
    return location;
  }
  postgres_url_ = server->ConnectionUri(database);
  location.postgres_url = postgres_url_;
  location.postgres_schema = std::string(schema);
  return location;
}

std::string EngineTestName(const ::testing::TestParamInfo<db::Engine>& info) {
  return info.param == db::Engine::kPostgres ? "Postgres" : "Sqlite";
}

}  // namespace helpdesk::testing
