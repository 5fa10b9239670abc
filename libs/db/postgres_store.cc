#include "libs/db/postgres_store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/db/pg/pg_connection.h"
#include "libs/db/pg/pool.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {
namespace {

bool IsIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 63 || absl::ascii_isdigit(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// A libpq keyword value in single quotes, with \ and ' escaped.
std::string QuoteConninfoValue(absl::string_view value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

// Runs `body` in a transaction opened with `begin`; rolls back on error.
absl::Status InTransaction(pg::Connection& connection, const char* begin,
                           absl::FunctionRef<absl::Status()> body) {
  RETURN_IF_ERROR(connection.ExecuteScript(begin));
  absl::Status status = body();
  if (status.ok()) status = connection.ExecuteScript("COMMIT");
  if (!status.ok() && connection.InTransaction()) {
    connection.ExecuteScript("ROLLBACK").IgnoreError();
  }
  return status;
}

}  // namespace

std::string PostgresConninfo(const Location& location) {
  if (location.postgres_password.empty()) return location.postgres_url;
  // libpq takes a URI or keywords, not both; a URI's keywords go after ?.
  const absl::string_view url = location.postgres_url;
  if (absl::StartsWith(url, "postgresql://") ||
      absl::StartsWith(url, "postgres://")) {
    // A URI's own password parameter, percent-encoded.
    std::string encoded;
    for (unsigned char c : location.postgres_password) {
      if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
          c == '~') {
        encoded.push_back(static_cast<char>(c));
      } else {
        absl::StrAppendFormat(&encoded, "%%%02X", c);
      }
    }
    return absl::StrCat(url,
                        url.find('?') == absl::string_view::npos ? "?" : "&",
                        "password=", encoded);
  }
  return absl::StrCat(
      url, " password=", QuoteConninfoValue(location.postgres_password));
}

absl::StatusOr<int> MigratePostgres(pg::Connection& connection,
                                    absl::string_view schema,
                                    absl::Span<const Migration> migrations) {
  const int known = migrations.empty() ? 0 : migrations.back().version;
  int version = 0;
  // One transaction per migration; the advisory lock (per schema) makes
  // replicas that start together wait for each other's steps.
  for (size_t step = 0; step <= migrations.size(); ++step) {
    bool done = false;
    RETURN_IF_ERROR(InTransaction(connection, "BEGIN", [&]() -> absl::Status {
      RETURN_IF_ERROR(
          connection
              .Execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                       {pg::Param(absl::StrCat("migrate:", schema))})
              .status());
      RETURN_IF_ERROR(connection.ExecuteScript(
          "CREATE TABLE IF NOT EXISTS schema_version ("
          "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
          "applied_time TIMESTAMPTZ NOT NULL DEFAULT now())"));
      ASSIGN_OR_RETURN(
          pg::Result current,
          connection.Execute(
              "SELECT COALESCE(MAX(version), 0) FROM schema_version"));
      version = static_cast<int>(current.Int64(0, 0));
      if (version > known) {
        return absl::FailedPreconditionError(
            absl::StrCat("the database schema (version ", version,
                         ") is newer than this binary knows (", known, ")"));
      }
      const Migration* next = nullptr;
      for (const Migration& migration : migrations) {
        if (migration.version > version) {
          next = &migration;
          break;
        }
      }
      if (next == nullptr) {
        done = true;
        return absl::OkStatus();
      }
      RETURN_IF_ERROR(connection.ExecuteScript(next->sql));
      RETURN_IF_ERROR(
          connection
              .Execute("INSERT INTO schema_version (version, description) "
                       "VALUES ($1, $2)",
                       {pg::Param(next->version), pg::Param(next->description)})
              .status());
      version = next->version;
      return absl::OkStatus();
    }));
    if (done) break;
  }
  return version;
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const StoreOptions& options) {
  const Location& location = options.location;
  if (!IsIdentifier(location.postgres_schema)) {
    return absl::InvalidArgumentError("invalid PostgreSQL schema name");
  }
  if (location.readers < 1) {
    return absl::InvalidArgumentError("readers must be at least 1");
  }
  pg::PoolOptions pool_options;
  pool_options.conninfo = PostgresConninfo(location);
  pool_options.statement_timeout = options.statement_timeout;
  // The schema first, on a connection of its own: search_path may name a
  // schema that does not exist yet.
  {
    pg::PoolOptions bootstrap = pool_options;
    bootstrap.size = 1;
    ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> first,
                     pg::Pool::Open(bootstrap));
    RETURN_IF_ERROR(first->WithConnection([&](pg::Connection& c) {
      absl::Status created = c.ExecuteScript(absl::StrCat(
          "CREATE SCHEMA IF NOT EXISTS ", location.postgres_schema));
      // Two replicas creating it at once: one loses the race, harmlessly.
      if (absl::IsAlreadyExists(created)) return absl::OkStatus();
      return created;
    }));
  }
  const std::string search_path =
      absl::StrCat("SET search_path TO ", location.postgres_schema, ", public");
  pg::PoolOptions writer_options = pool_options;
  writer_options.size = 2;
  writer_options.session_setup = search_path;
  ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> writers,
                   pg::Pool::Open(writer_options));
  int version = 0;
  RETURN_IF_ERROR(
      writers->WithConnection([&](pg::Connection& c) -> absl::Status {
        ASSIGN_OR_RETURN(version, MigratePostgres(c, location.postgres_schema,
                                                  options.postgres_migrations));
        return absl::OkStatus();
      }));
  pg::PoolOptions reader_options = pool_options;
  reader_options.size = location.readers;
  reader_options.session_setup =
      absl::StrCat(search_path, "; SET default_transaction_read_only = on");
  ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> readers,
                   pg::Pool::Open(reader_options));
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(version, location.readers, pool_options.conninfo,
                        location.postgres_schema, std::move(writers),
                        std::move(readers), options.max_batch));
}

PostgresStore::PostgresStore(int schema_version, int readers,
                             std::string conninfo, std::string schema,
                             std::unique_ptr<pg::Pool> writers,
                             std::unique_ptr<pg::Pool> readers_pool,
                             size_t max_batch)
    : Store(schema_version),
      readers_(readers),
      conninfo_(std::move(conninfo)),
      schema_(std::move(schema)),
      writers_(std::move(writers)),
      readers_pool_(std::move(readers_pool)),
      // A serialization failure in one body spoils the transaction: the
      // whole batch runs again (Write retries it).
      batched_(
          [this](GroupCommitter::Batch batch,
                 absl::FunctionRef<void()> committed) {
            return Write(batch, committed);
          },
          max_batch, pg::IsSerializationFailure) {}

absl::Status PostgresStore::WriteIn(const char* begin, Body body,
                                    absl::FunctionRef<void()> committed) {
  absl::MutexLock lock(&write_mu_);
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxWriteAttempts; ++attempt) {
    status = writers_->WithConnection([&](pg::Connection& c) {
      pg::PgConnection connection(c);
      return InTransaction(c, begin, [&] { return body(connection); });
    });
    // Another process's transaction won a conflict: run the body again,
    // after a random pause that grows with each attempt, so that writers
    // contending for one row do not collide again in lockstep.
    if (!pg::IsSerializationFailure(status)) break;
    if (attempt < kMaxWriteAttempts) {
      const int64_t cap = int64_t{200} << std::min(attempt, 8);  // µs
      absl::SleepFor(
          absl::Microseconds(absl::Uniform<int64_t>(jitter_, 0, cap)));
    }
  }
  if (status.ok()) committed();
  return status;
}

absl::Status PostgresStore::Write(Body body,
                                  absl::FunctionRef<void()> committed) {
  return WriteIn("BEGIN ISOLATION LEVEL SERIALIZABLE", body, committed);
}

absl::Status PostgresStore::WriteReadCommitted(Body body) {
  return WriteIn("BEGIN ISOLATION LEVEL READ COMMITTED", body, [] {});
}

absl::Status PostgresStore::WriteAutocommit(Body body) {
  absl::MutexLock lock(&write_mu_);
  return writers_->WithConnection([&](pg::Connection& c) {
    pg::PgConnection connection(c);
    return body(connection);
  });
}

absl::Status PostgresStore::WriteBatched(Body body,
                                         absl::FunctionRef<void()> committed) {
  return batched_.Run(body, committed);
}

absl::Status PostgresStore::Read(Body body) {
  return readers_pool_->WithConnection([&](pg::Connection& c) {
    pg::PgConnection connection(c);
    return body(connection);
  });
}

absl::Status PostgresStore::ReadSnapshot(Body body) {
  return readers_pool_->WithConnection([&](pg::Connection& c) {
    pg::PgConnection connection(c);
    return InTransaction(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                         [&] { return body(connection); });
  });
}

}  // namespace helpdesk::db
