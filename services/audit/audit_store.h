#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "services/audit/audit_chain.h"

namespace helpdesk::audit {

// An event as submitted, before it gets an id and hashes.
struct NewEvent {
  std::string event_key;
  int64_t actor_id = 0;
  std::string action;
  std::string entity_type;
  int64_t entity_id = 0;
  std::string before_snapshot;
  std::string after_snapshot;
  absl::Time create_time;
};

// ListAuditEvents filters; empty / zero / nullopt means "any".
struct EventFilter {
  int64_t actor_id = 0;
  std::string action;
  std::string entity_type;
  int64_t entity_id = 0;
  std::optional<absl::Time> start_time;  // inclusive
  std::optional<absl::Time> end_time;    // exclusive
};

// Where a page ends: the last event returned (keyset paging).
struct EventCursor {
  absl::Time create_time;
  int64_t id = 0;
};

struct ChainReport {
  bool ok = true;
  int64_t checked_count = 0;
  int64_t first_broken_event_id = 0;
  std::string problem;
};

// Every SQL statement of the audit service, on a db::Store (either engine).
// Appends are serialised writes (each reads the chain head and extends it in
// one transaction; on PostgreSQL under an advisory lock, so that replicas'
// appends too extend the chain one at a time); lists and chain verification are
// reads, in parallel on the store's readers, so a long verification blocks
// neither recording nor listing. A read sees every append committed before it
// starts. Thread-safe.
class AuditStore final {
 public:
  // Opens (creating and migrating) the service's database at `location`.
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(
      const db::Location& location);

  // Appends `event`, or returns the event already recorded under its key
  // (then `created` is false).
  absl::StatusOr<StoredEvent> Record(const NewEvent& event, absl::Time now,
                                     bool* created = nullptr);

  // Appends many events in one transaction (dataset generators). Keys that
  // exist already are skipped.
  absl::Status RecordBatch(absl::Span<const NewEvent> events, absl::Time now);

  // Events matching `filter`, newest first (create_time, id descending),
  // strictly after `after` in that order, at most `limit`.
  absl::StatusOr<std::vector<StoredEvent>> List(
      const EventFilter& filter, const std::optional<EventCursor>& after,
      int limit);

  // SQLite's plan for List with `filter` (tests pin index use);
  // UNIMPLEMENTED on PostgreSQL.
  absl::StatusOr<std::string> ExplainList(const EventFilter& filter);

  // Recomputes every hash in id order and reports the first mismatch.
  absl::StatusOr<ChainReport> VerifyChain();

 private:
  explicit AuditStore(std::unique_ptr<db::Store> store)
      : store_(std::move(store)) {}

  // The writer, its checkpointer and the readers of the file.
  const std::unique_ptr<db::Store> store_;
};

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_
