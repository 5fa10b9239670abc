#ifndef HELPDESK_LIBS_DB_POSTGRES_STORE_H_
#define HELPDESK_LIBS_DB_POSTGRES_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "libs/db/group_commit.h"
#include "libs/db/migration.h"
#include "libs/db/pg/pool.h"
#include "libs/db/store.h"

namespace helpdesk::db {

// The PostgreSQL engine of a Store: the service's tables in one schema
// (every connection's search_path), statements prepared per connection.
// Two bounded pools: the writer's (writes hold the write mutex, so one
// connection plus a spare) and the readers' (sessions that are read-only,
// so a write through Read() fails as on SQLite). Writes run SERIALIZABLE,
// re-running a body that lost a serialization conflict to another process
// (see Store); a snapshot read is REPEATABLE READ READ ONLY. A connection
// the server dropped fails the call in flight UNAVAILABLE and is replaced
// on the next one.
class PostgresStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      const StoreOptions& options);

  using Store::Write;
  Engine engine() const override { return Engine::kPostgres; }
  absl::Status Write(Body body, absl::FunctionRef<void()> committed) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status WriteAutocommit(Body body) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  using Store::WriteBatched;
  absl::Status WriteBatched(Body body,
                            absl::FunctionRef<void()> committed) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status WriteReadCommitted(Body body) override
      ABSL_LOCKS_EXCLUDED(write_mu_);
  absl::Status Read(Body body) override;
  absl::Status ReadSnapshot(Body body) override;
  int readers() const override { return readers_; }
  int64_t checkpoints() const override { return 0; }
  size_t batched_transactions() const override {
    return batched_.transactions();
  }

  // The libpq connection string (with the schema's search_path), for a
  // store that needs a connection of its own (LISTEN).
  const std::string& conninfo() const { return conninfo_; }
  const std::string& schema() const { return schema_; }

 private:
  PostgresStore(int schema_version, int readers, std::string conninfo,
                std::string schema, std::unique_ptr<pg::Pool> writers,
                std::unique_ptr<pg::Pool> readers_pool, size_t max_batch);

  absl::Status WriteIn(const char* begin, Body body,
                       absl::FunctionRef<void()> committed)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  const int readers_;
  const std::string conninfo_;
  const std::string schema_;
  const std::unique_ptr<pg::Pool> writers_;
  const std::unique_ptr<pg::Pool> readers_pool_;
  // WriteBatched: one transaction (and one WAL flush) for the bodies of
  // concurrent callers.
  GroupCommitter batched_;
  // Pauses between write attempts; used under write_mu_.
  absl::BitGen jitter_ ABSL_GUARDED_BY(write_mu_);
};

// Applies `migrations` to the schema the connection's search_path names:
// each pending one in its own transaction under an advisory lock (so that
// replicas starting together apply each once), recorded in
// schema_version. Refuses a schema newer than `migrations`
// (FAILED_PRECONDITION). Returns the version the schema is at.
absl::StatusOr<int> MigratePostgres(pg::Connection& connection,
                                    absl::string_view schema,
                                    absl::Span<const Migration> migrations);

// The libpq connection string for `location`: its URL with the password
// (when given) added as a keyword, so that none is written into the URL.
std::string PostgresConninfo(const Location& location);

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_POSTGRES_STORE_H_
