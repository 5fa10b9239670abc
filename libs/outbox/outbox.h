#ifndef HELPDESK_LIBS_OUTBOX_OUTBOX_H_
#define HELPDESK_LIBS_OUTBOX_OUTBOX_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/db/migration.h"
#include "libs/db/sql.h"

namespace helpdesk::outbox {

// The transactional outbox (see docs/architecture.md, "Outbox").
//
// A service that must emit something to another service (an audit event, a
// job) writes it into its own `outbox` table in the same transaction
// as the business change, so both commit or neither does. An OutboxRelay
// (relay.h) in the same process later delivers the rows, retrying with
// backoff while the target is down, and deletes a row only after the target
// acknowledged it. Every row carries an idempotency key generated at enqueue
// time; every (re)delivery of the row carries the same key and consumers
// deduplicate on it, so nothing is lost and nothing is applied twice.
//
// Usage:
//
//   // The service's migration list includes the outbox table:
//   constexpr db::Migration kMigrations[] = {
//       {1, "tickets", kTicketsSql},
//       outbox::OutboxMigration(2),
//       outbox::OutboxParkedMigration(3),
//   };
//
//   // In a store's write, together with the business change:
//   absl::Status status = store->Write([&](db::Connection& db) {
//     RETURN_IF_ERROR(UpdateTicket(db, ...));
//     return outbox::Enqueue(db, "audit", event.SerializeAsString(),
//                            clock->Now()).status();
//   });
//   if (status.ok()) relay->Notify();  // deliver within milliseconds
//
// On PostgreSQL the service's migration list has OutboxPostgresMigration()
// instead, one step that creates both tables.

// SQL creating the `outbox` table and its (destination, id) index. Put it in
// the service's own migration list (see OutboxMigration()); never edit it,
// change the table with a new migration instead.
//
// Columns: id (delivery order), destination (which Deliverer takes the row),
// idempotency_key (unique, 32 hex digits), payload (opaque bytes),
// create_time and next_attempt_time (unix microseconds), attempts (failed
// deliveries so far), last_error (text of the latest failure, '' if none).
extern const char kOutboxSchemaSql[];

// A migration step that creates the outbox table, for a service's list.
constexpr db::Migration OutboxMigration(int version) {
  return {version, "transactional outbox", kOutboxSchemaSql};
}

// SQL creating `outbox_parked`: rows a target refused for good (see
// OutboxRelay), with the outbox's columns plus parked_time (unix
// microseconds). Kept out of `outbox` so that delivery never scans them.
extern const char kOutboxParkedSchemaSql[];

// A migration step that creates the parked-rows table; every service with
// an outbox lists it after OutboxMigration().
constexpr db::Migration OutboxParkedMigration(int version) {
  return {version, "parked outbox rows", kOutboxParkedSchemaSql};
}

// SQL creating both tables on PostgreSQL (the same columns; payload is
// bytea, ids an identity).
extern const char kOutboxPostgresSchemaSql[];

constexpr db::Migration OutboxPostgresMigration(int version) {
  return {version, "transactional outbox", kOutboxPostgresSchemaSql};
}

// One outbox row as handed to a Deliverer.
struct OutboxMessage {
  int64_t id = 0;
  std::string destination;
  // 128 random bits as 32 lowercase hex digits; the same on every delivery
  // attempt of this row. Consumers deduplicate on it.
  std::string idempotency_key;
  std::string payload;
  // Failed delivery attempts before this one.
  int attempts = 0;
  absl::Time create_time;
};

// Writes one message for `destination` (e.g. "audit", "jobs"; non-empty) into
// the outbox, due immediately. Must run inside a write transaction
// together with the change it belongs to; outside a transaction it returns
// FAILED_PRECONDITION and writes nothing. `now` becomes the message's
// create_time. Returns the stored row, including its idempotency key.
absl::StatusOr<OutboxMessage> Enqueue(db::Connection& db,
                                      absl::string_view destination,
                                      std::string payload, absl::Time now);

// A fresh idempotency key: 128 bits from an entropy-seeded generator, as 32
// lowercase hex digits. Exposed for tests.
std::string NewIdempotencyKey();

}  // namespace helpdesk::outbox

#endif  // HELPDESK_LIBS_OUTBOX_OUTBOX_H_
