#ifndef HELPDESK_LIBS_DB_SQL_H_
#define HELPDESK_LIBS_DB_SQL_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace helpdesk::db {

// The storage engines a store runs on.
enum class Engine { kSqlite, kPostgres };

const char* EngineName(Engine engine);

// One statement parameter: a 64-bit integer, text, bytes, or SQL NULL.
// Values are always bound, never spliced into SQL text, so SQL
// metacharacters in them are data.
class Value {
 public:
  Value(int64_t number) : kind_(Kind::kInt), int_(number) {}           // NOLINT
  Value(int number) : kind_(Kind::kInt), int_(number) {}               // NOLINT
  Value(bool flag) : kind_(Kind::kInt), int_(flag ? 1 : 0) {}          // NOLINT
  Value(absl::string_view text) : kind_(Kind::kText), text_(text) {}   // NOLINT
  Value(const char* text) : kind_(Kind::kText), text_(text) {}         // NOLINT
  Value(const std::string& text) : kind_(Kind::kText), text_(text) {}  // NOLINT
  static Value Null() { return Value(); }
  // Binary data (a BLOB in SQLite, a bytea in PostgreSQL).
  static Value Bytes(absl::string_view bytes);

  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_bytes() const { return kind_ == Kind::kBytes; }
  int64_t int_value() const { return int_; }
  // The text or bytes; empty for numbers and NULL.
  absl::string_view text() const { return text_; }

 private:
  // Plain members rather than a std::variant: GCC 12 at -O2 reports moves
  // of a variant holding strings as "maybe uninitialized".
  enum class Kind { kNull, kInt, kText, kBytes };
  Value() = default;
  Kind kind_ = Kind::kNull;
  int64_t int_ = 0;
  std::string text_;  // kText and kBytes
};

// The rows one statement returned (all of them, read before it returns),
// and how many rows it changed. Columns are read by position, as the
// statement's SELECT or RETURNING lists them.
class Rows final {
 public:
  using Cell = std::variant<std::monostate, int64_t, std::string>;

  Rows() = default;
  Rows(int columns, std::vector<Cell> cells, int64_t affected)
      : columns_(columns), cells_(std::move(cells)), affected_(affected) {}

  int size() const {
    return columns_ == 0 ? 0 : static_cast<int>(cells_.size()) / columns_;
  }
  bool empty() const { return cells_.empty(); }
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected() const { return affected_; }

  bool IsNull(int row, int column) const;
  // An integer column (a boolean is 0 or 1); 0 for NULL.
  int64_t Int64(int row, int column) const;
  // A text or bytes column; empty for NULL.
  std::string Text(int row, int column) const;

 private:
  const Cell& At(int row, int column) const {
    return cells_[static_cast<size_t>(row) * columns_ + column];
  }
  int columns_ = 0;
  std::vector<Cell> cells_;
  int64_t affected_ = 0;
};

// One connection of a store, lent to a write or read body (see Store). The
// same SQL runs on both engines: parameters are written `?` (bound in
// order) or `?N` (the N-th parameter); the PostgreSQL engine rewrites them
// to `$N`. Statements are prepared once per connection and reused. Errors
// are statuses safe to show callers (constraint violations ALREADY_EXISTS
// or FAILED_PRECONDITION, a busy or absent server UNAVAILABLE, a
// serialization conflict ABORTED, anything else INTERNAL); the engine's own
// text is logged, never returned. Not thread-safe.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Engine engine() const = 0;

  // Runs one statement and returns its rows.
  virtual absl::StatusOr<Rows> Query(absl::string_view sql,
                                     absl::Span<const Value> params = {}) = 0;

  // Runs one statement and returns how many rows it changed.
  absl::StatusOr<int64_t> Execute(absl::string_view sql,
                                  absl::Span<const Value> params = {});

  // Runs statements without parameters, separated by semicolons (schema).
  virtual absl::Status ExecuteScript(absl::string_view sql) = 0;

  // Whether a transaction is open on this connection.
  virtual bool InTransaction() const = 0;
};

// Rewrites `?` and `?N` placeholders to PostgreSQL's `$N`, leaving string
// literals, quoted identifiers and comments alone.
std::string ToDollarPlaceholders(absl::string_view sql);

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_SQL_H_
