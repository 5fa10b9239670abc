#include "libs/outbox/outbox.h"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/db/sql.h"
#include "libs/status/status_macros.h"

namespace helpdesk::outbox {

const char kOutboxSchemaSql[] =
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  payload BLOB NOT NULL,"
    "  create_time INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_time INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX outbox_destination_id ON outbox (destination, id)";

const char kOutboxParkedSchemaSql[] =
    "CREATE TABLE outbox_parked ("
    "  id INTEGER PRIMARY KEY NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  payload BLOB NOT NULL,"
    "  create_time INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL,"
    "  parked_time INTEGER NOT NULL"
    ")";

const char kOutboxPostgresSchemaSql[] =
    "CREATE TABLE outbox ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  destination TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  payload BYTEA NOT NULL,"
    "  create_time BIGINT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_time BIGINT NOT NULL,"
    "  last_error TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX outbox_destination_id ON outbox (destination, id);"
    "CREATE TABLE outbox_parked ("
    "  id BIGINT PRIMARY KEY NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  payload BYTEA NOT NULL,"
    "  create_time BIGINT NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL,"
    "  parked_time BIGINT NOT NULL"
    ")";

namespace {

constexpr char kInsertSql[] =
    "INSERT INTO outbox (destination, idempotency_key, payload, create_time, "
    "attempts, next_attempt_time, last_error) VALUES (?, ?, ?, ?, 0, ?, '') "
    "RETURNING id";

constexpr size_t kKeyBytes = 16;

// Fills `out` from the kernel's entropy pool; false if that is unavailable.
bool FillFromKernel(unsigned char* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    filled += static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

std::string NewIdempotencyKey() {
  unsigned char bytes[kKeyBytes];
  if (!FillFromKernel(bytes, kKeyBytes)) {
    // absl::BitGen seeds itself from OS entropy as well.
    absl::BitGen gen;
    for (unsigned char& byte : bytes) {
      byte = absl::Uniform<unsigned char>(gen);
    }
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(2 * kKeyBytes);
  for (unsigned char byte : bytes) {
    key.push_back(kHex[byte >> 4]);
    key.push_back(kHex[byte & 0xf]);
  }
  return key;
}

absl::StatusOr<OutboxMessage> Enqueue(db::Connection& db,
                                      absl::string_view destination,
                                      std::string payload, absl::Time now) {
  if (destination.empty()) {
    return absl::InvalidArgumentError("outbox destination must not be empty");
  }
  if (payload.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("outbox payload is too large");
  }
  if (!db.InTransaction()) {
    return absl::FailedPreconditionError(
        "outbox Enqueue must run inside the transaction of the change it "
        "belongs to");
  }
  OutboxMessage message;
  message.destination = std::string(destination);
  message.idempotency_key = NewIdempotencyKey();
  message.payload = std::move(payload);
  message.attempts = 0;
  // Stored in microseconds: keep the returned value equal to what is stored.
  const int64_t now_micros = absl::ToUnixMicros(now);
  message.create_time = absl::FromUnixMicros(now_micros);

  ASSIGN_OR_RETURN(db::Rows inserted,
                   db.Query(kInsertSql, {db::Value(message.destination),
                                         db::Value(message.idempotency_key),
                                         db::Value::Bytes(message.payload),
                                         now_micros, now_micros}));
  if (inserted.empty()) return absl::InternalError("outbox insert failed");
  message.id = inserted.Int64(0, 0);
  return message;
}

}  // namespace helpdesk::outbox
