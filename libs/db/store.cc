#include "libs/db/store.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/db/postgres_store.h"
#include "libs/db/sqlite_store.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  if (options.location.engine() == Engine::kPostgres) {
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> store,
                     PostgresStore::Open(options));
    return std::unique_ptr<Store>(std::move(store));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                   SqliteStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

Location Storage::For(const std::string& name, int readers) const {
  Location location;
  location.path = (std::filesystem::path(data_dir) / (name + ".db")).string();
  location.postgres_url = database_url;
  location.postgres_password = database_password;
  location.postgres_schema = name;
  location.readers = readers;
  return location;
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream file(path);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the database password file ", path));
  }
  std::string password;
  std::getline(file, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace helpdesk::db
