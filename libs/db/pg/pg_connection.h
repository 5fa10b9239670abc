#ifndef HELPDESK_LIBS_DB_PG_PG_CONNECTION_H_
#define HELPDESK_LIBS_DB_PG_PG_CONNECTION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/db/pg/pool.h"
#include "libs/db/sql.h"

namespace helpdesk::db::pg {

// A db::Connection over one pooled PostgreSQL connection (not owned).
// Results come back typed as db::Rows expects: integers and booleans as
// numbers, bytea decoded to its bytes, everything else as text.
class PgConnection final : public db::Connection {
 public:
  explicit PgConnection(pg::Connection& connection) : connection_(connection) {}

  Engine engine() const override { return Engine::kPostgres; }
  absl::StatusOr<Rows> Query(absl::string_view sql,
                             absl::Span<const Value> params = {}) override;
  absl::Status ExecuteScript(absl::string_view sql) override;
  bool InTransaction() const override { return connection_.InTransaction(); }

  pg::Connection& connection() { return connection_; }

 private:
  pg::Connection& connection_;
};

}  // namespace helpdesk::db::pg

#endif  // HELPDESK_LIBS_DB_PG_PG_CONNECTION_H_
