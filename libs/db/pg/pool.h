#ifndef HELPDESK_LIBS_DB_PG_POOL_H_
#define HELPDESK_LIBS_DB_PG_POOL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

// libpq's types, kept out of the includers' way.
struct pg_conn;
struct pg_result;

namespace helpdesk::db::pg {

// One statement parameter: text, or SQL NULL. Numbers go as their decimal
// text (PostgreSQL casts them to the column's type).
class Param {
 public:
  Param(absl::string_view text) : value_(std::string(text)) {}  // NOLINT
  Param(const char* text) : value_(std::string(text)) {}        // NOLINT
  Param(int64_t number);                                        // NOLINT
  Param(int number) : Param(static_cast<int64_t>(number)) {}    // NOLINT
  Param(bool flag) : value_(std::string(flag ? "t" : "f")) {}   // NOLINT
  static Param Null() { return Param(); }
  // Binary data for a bytea parameter (sent in binary format, as is).
  static Param Bytes(absl::string_view bytes) {
    Param param;
    param.value_ = std::string(bytes);
    param.binary_ = true;
    return param;
  }

  const std::optional<std::string>& value() const { return value_; }
  bool binary() const { return binary_; }

 private:
  Param() = default;
  std::optional<std::string> value_;
  bool binary_ = false;
};

// The rows of one statement, read as text (libpq's text format).
class Result final {
 public:
  explicit Result(pg_result* result);
  ~Result();
  Result(Result&& other) noexcept;
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const;
  int columns() const;
  // The column's type OID (16 bool, 17 bytea, 20/21/23 integers, ...).
  unsigned int Type(int column) const;
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected_rows() const;
  bool IsNull(int row, int column) const;
  absl::string_view Text(int row, int column) const;
  // The value as a number; 0 for NULL.
  int64_t Int64(int row, int column) const;

 private:
  friend class Connection;
  pg_result* result_;
};

struct PoolOptions {
  // A libpq connection string or URI (postgresql://...); the password may
  // come from PGPASSWORD or a password file, as libpq reads them.
  std::string conninfo;
  // Connections at most; Acquire() waits for one when all are lent.
  int size = 8;
  // How long Acquire() waits before it answers UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Server-side statement_timeout of every connection; a statement that
  // runs longer fails DEADLINE_EXCEEDED.
  absl::Duration statement_timeout = absl::Seconds(10);
  // Statements every new connection runs first (e.g. SET search_path).
  std::string session_setup;
};

// One PostgreSQL connection. Statements are prepared on first use and
// reused (per connection, by SQL text). Not thread-safe: a Pool lends it
// to one thread at a time.
class Connection final {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with $1, $2, ... (or db::Connection's `?`, `?N`)
  // bound to `params` (never spliced into the text, so SQL metacharacters
  // in values are data).
  absl::StatusOr<Result> Execute(absl::string_view sql,
                                 absl::Span<const Param> params = {});

  // Runs statements without parameters (schema, BEGIN/COMMIT).
  absl::Status ExecuteScript(absl::string_view sql);

  // Whether a transaction is open (or failed and not yet rolled back).
  bool InTransaction() const;

  // Runs `body` inside BEGIN ... COMMIT; rolls back when it fails.
  absl::Status InTransaction(absl::FunctionRef<absl::Status()> body);

  // False once the server went away; the pool then opens a new one.
  bool healthy() const;

 private:
  friend class Pool;
  explicit Connection(pg_conn* connection) : connection_(connection) {}
  absl::Status StatusOf(pg_result* result, absl::string_view what);

  pg_conn* connection_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> name
  bool broken_ = false;
};

// A bounded pool of connections to one database. Connections open lazily,
// up to options.size; one whose server went away (a restart, a failover)
// is dropped when returned, so the call in flight fails UNAVAILABLE and the
// next one reconnects. Errors map to absl codes by SQLSTATE (unique
// violation ALREADY_EXISTS, other constraints FAILED_PRECONDITION,
// serialization failures and deadlocks ABORTED, statement timeout
// DEADLINE_EXCEEDED, connection failures UNAVAILABLE, the rest INTERNAL);
// the server's message is logged, never returned. Thread-safe.
class Pool final {
 public:
  static absl::StatusOr<std::unique_ptr<Pool>> Open(PoolOptions options);
  ~Pool();

  // Lends a connection to `body` for its duration.
  absl::Status WithConnection(absl::FunctionRef<absl::Status(Connection&)> body)
      ABSL_LOCKS_EXCLUDED(mu_);

  int open_connections() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit Pool(PoolOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  absl::StatusOr<std::unique_ptr<Connection>> Acquire()
      ABSL_LOCKS_EXCLUDED(mu_);
  void Release(std::unique_ptr<Connection> connection) ABSL_LOCKS_EXCLUDED(mu_);

  const PoolOptions options_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// The absl code for a SQLSTATE (see Pool).
absl::StatusCode CodeForSqlState(absl::string_view sqlstate);

// Whether `status` is the server's serialization failure or deadlock
// (SQLSTATE 40001, 40P01): the transaction may succeed when run again. An
// ABORTED a caller made itself (a stale etag, say) is not one.
bool IsSerializationFailure(const absl::Status& status);

}  // namespace helpdesk::db::pg

#endif  // HELPDESK_LIBS_DB_PG_POOL_H_
