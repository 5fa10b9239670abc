#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/db/checkpointer.h"
#include "libs/db/database.h"
#include "libs/db/reader_pool.h"
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

// Every SQL statement of the audit service. Appends are serialised on a
// writer connection behind a mutex (each append reads the chain head and
// extends it in one transaction); lists and chain verification run in
// parallel on a pool of read-only connections, so a long verification
// blocks neither recording nor listing (WAL). A read sees every append
// committed before it starts. Thread-safe.
class AuditStore final {
 public:
  // Opens (creating and migrating) the file, then `readers` read-only
  // connections to it.
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(
      const std::string& path, int readers = db::ReaderPool::kDefaultSize);

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

  // SQLite's plan for List with `filter` (tests pin index use).
  absl::StatusOr<std::string> ExplainList(const EventFilter& filter);

  // Recomputes every hash in id order and reports the first mismatch.
  absl::StatusOr<ChainReport> VerifyChain();

 private:
  AuditStore(std::unique_ptr<db::Database> writer,
             std::unique_ptr<db::Checkpointer> checkpointer,
             std::unique_ptr<db::ReaderPool> readers)
      : writer_(std::move(writer)),
        checkpointer_(std::move(checkpointer)),
        readers_(std::move(readers)) {}

  absl::StatusOr<StoredEvent> AppendLocked(const NewEvent& event,
                                           absl::Time now, bool* created)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  absl::Mutex write_mu_;
  std::unique_ptr<db::Database> writer_ ABSL_GUARDED_BY(write_mu_);
  // Checkpoints writer_'s WAL off the write path; stops before it closes.
  const std::unique_ptr<db::Checkpointer> checkpointer_;
  // Thread-safe itself; declared after writer_ so that it closes first.
  const std::unique_ptr<db::ReaderPool> readers_;
};

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_STORE_H_
