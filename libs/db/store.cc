#include "libs/db/store.h"

#include <memory>

#include "absl/status/statusor.h"
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

}  // namespace helpdesk::db
