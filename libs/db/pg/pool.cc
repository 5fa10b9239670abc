#include "libs/db/pg/pool.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libpq-fe.h"
#include "libs/db/sql.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db::pg {
namespace {

// Marks the ABORTED statuses that came from the server (see
// IsSerializationFailure).
constexpr char kSerializationFailurePayload[] =
    "type.helpdesk/db.serialization_failure";

}  // namespace

Param::Param(int64_t number) : value_(absl::StrCat(number)) {}

Result::Result(pg_result* result) : result_(result) {}
Result::~Result() {
  if (result_ != nullptr) PQclear(result_);
}
Result::Result(Result&& other) noexcept : result_(other.result_) {
  other.result_ = nullptr;
}
Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
int Result::rows() const { return PQntuples(result_); }
int Result::columns() const { return PQnfields(result_); }
unsigned int Result::Type(int column) const { return PQftype(result_, column); }
int64_t Result::affected_rows() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}
bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}
absl::string_view Result::Text(int row, int column) const {
  return absl::string_view(PQgetvalue(result_, row, column),
                           PQgetlength(result_, row, column));
}
int64_t Result::Int64(int row, int column) const {
  int64_t n = 0;
  return absl::SimpleAtoi(Text(row, column), &n) ? n : 0;
}

bool IsSerializationFailure(const absl::Status& status) {
  return absl::IsAborted(status) &&
         status.GetPayload(kSerializationFailurePayload).has_value();
}

absl::StatusCode CodeForSqlState(absl::string_view sqlstate) {
  if (sqlstate == "23505") return absl::StatusCode::kAlreadyExists;
  if (absl::StartsWith(sqlstate, "23")) {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::StatusCode::kAborted;
  }
  if (sqlstate == "57014") return absl::StatusCode::kDeadlineExceeded;
  // Connection exceptions, and the server shutting down (admin_shutdown,
  // crash_shutdown, cannot_connect_now).
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P")) {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

Connection::~Connection() { PQfinish(connection_); }

bool Connection::InTransaction() const {
  return PQtransactionStatus(connection_) == PQTRANS_INTRANS ||
         PQtransactionStatus(connection_) == PQTRANS_INERROR;
}

bool Connection::healthy() const {
  return !broken_ && PQstatus(connection_) == CONNECTION_OK;
}

absl::Status Connection::StatusOf(pg_result* result, absl::string_view what) {
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return absl::OkStatus();
  }
  const char* state = result != nullptr
                          ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                          : nullptr;
  absl::StatusCode code = state != nullptr ? CodeForSqlState(state)
                                           : absl::StatusCode::kUnavailable;
  if (PQstatus(connection_) != CONNECTION_OK) {
    broken_ = true;
    code = absl::StatusCode::kUnavailable;
  }
  if (code == absl::StatusCode::kUnavailable) broken_ = true;
  LogWarning("postgres_error", {{"what", std::string(what)},
                                {"sqlstate", state != nullptr ? state : ""},
                                {"error", PQerrorMessage(connection_)}});
  switch (code) {
    case absl::StatusCode::kAlreadyExists:
      return absl::AlreadyExistsError("already exists");
    case absl::StatusCode::kFailedPrecondition:
      return absl::FailedPreconditionError("a constraint refused the change");
    case absl::StatusCode::kAborted: {
      absl::Status aborted =
          absl::AbortedError("a concurrent change interfered; retry");
      aborted.SetPayload(kSerializationFailurePayload, absl::Cord("1"));
      return aborted;
    }
    case absl::StatusCode::kDeadlineExceeded:
      return absl::DeadlineExceededError("the database took too long");
    case absl::StatusCode::kUnavailable:
      return absl::UnavailableError("the database is unavailable; retry");
    default:
      return absl::InternalError("database error");
  }
}

absl::StatusOr<Result> Connection::Execute(absl::string_view sql,
                                           absl::Span<const Param> params) {
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    const std::string name = absl::StrCat("s", prepared_.size() + 1);
    // db::Connection's `?` placeholders become `$N` once, here.
    const std::string text = ToDollarPlaceholders(key);
    Result prepared(PQprepare(connection_, name.c_str(), text.c_str(),
                              static_cast<int>(params.size()), nullptr));
    absl::Status status = StatusOf(prepared.result_, "prepare");
    if (!status.ok()) return status;
    it = prepared_.emplace(std::move(key), name).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  lengths.reserve(params.size());
  formats.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param.value().has_value() ? param.value()->data()
                                               : nullptr);
    lengths.push_back(param.value().has_value()
                          ? static_cast<int>(param.value()->size())
                          : 0);
    formats.push_back(param.binary() ? 1 : 0);
  }
  Result result(PQexecPrepared(connection_, it->second.c_str(),
                               static_cast<int>(values.size()), values.data(),
                               lengths.data(), formats.data(), 0));
  absl::Status status = StatusOf(result.result_, "execute");
  if (!status.ok()) return status;
  return result;
}

absl::Status Connection::ExecuteScript(absl::string_view sql) {
  Result result(PQexec(connection_, std::string(sql).c_str()));
  return StatusOf(result.result_, "script");
}

absl::Status Connection::InTransaction(absl::FunctionRef<absl::Status()> body) {
  absl::Status status = ExecuteScript("BEGIN");
  if (!status.ok()) return status;
  status = body();
  if (!status.ok()) {
    // Best effort: a broken connection is dropped by the pool anyway.
    ExecuteScript("ROLLBACK").IgnoreError();
    return status;
  }
  return ExecuteScript("COMMIT");
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Open(PoolOptions options) {
  if (options.size < 1) return absl::InvalidArgumentError("pool size < 1");
  std::unique_ptr<Pool> pool(new Pool(std::move(options)));
  // One connection now, so a wrong URL fails at start, not at first call.
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> first, pool->Connect());
  absl::MutexLock lock(&pool->mu_);
  pool->open_ = 1;
  pool->idle_.push_back(std::move(first));
  return pool;
}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<Connection>> Pool::Connect() {
  pg_conn* raw = PQconnectdb(options_.conninfo.c_str());
  auto connection = absl::WrapUnique(new Connection(raw));
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
    LogWarning("postgres_connect_failed",
               {{"error", raw != nullptr ? PQerrorMessage(raw) : "no memory"}});
    return absl::UnavailableError("cannot connect to the database");
  }
  RETURN_IF_ERROR(connection->ExecuteScript(
      absl::StrCat("SET statement_timeout = ",
                   absl::ToInt64Milliseconds(options_.statement_timeout),
                   // No NOTICEs ("already exists, skipping") on stderr.
                   "; SET client_min_messages = warning")));
  if (!options_.session_setup.empty()) {
    RETURN_IF_ERROR(connection->ExecuteScript(options_.session_setup));
  }
  return connection;
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available),
                              options_.acquire_timeout)) {
      return absl::UnavailableError("every database connection is busy");
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;  // this thread opens the new one, outside the lock
  }
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connect();
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return connection;
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  if (connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // dropped: the next Acquire opens a fresh one
  }
}

absl::Status Pool::WithConnection(
    absl::FunctionRef<absl::Status(Connection&)> body) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Acquire());
  absl::Status status = body(*connection);
  Release(std::move(connection));
  return status;
}

int Pool::open_connections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

}  // namespace helpdesk::db::pg
