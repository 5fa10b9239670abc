#ifndef HELPDESK_LIBS_OUTBOX_RELAY_H_
#define HELPDESK_LIBS_OUTBOX_RELAY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/lease.h"
#include "libs/db/pg/listener.h"
#include "libs/db/store.h"
#include "libs/outbox/outbox.h"

namespace helpdesk::outbox {

// Delivers the messages of one destination (e.g. "audit" → a gRPC call to
// AuditService.RecordAuditEvent). Deliver() returns OK only once the target
// acknowledged the message. INVALID_ARGUMENT (the target refused it) and
// DATA_LOSS (the payload cannot be decoded) mean "never deliverable as it
// is": the relay parks the row (see IsPermanentDeliveryFailure). Any other
// error means "not delivered, retry later".
// The message's idempotency_key must travel with it: a message can be
// delivered more than once (a crash between the acknowledgement and the
// row's deletion), and the consumer deduplicates on the key.
//
// Deliver() is called from one thread at a time per relay, but not always
// the same thread. It should bound its own time (an RPC deadline): a round,
// and Stop(), wait for it. It must not call back into the relay.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  virtual absl::Status Deliver(const OutboxMessage& message) = 0;
};

// Whether a Deliverer's error means the row can never be delivered as it is.
bool IsPermanentDeliveryFailure(const absl::Status& status);

// Tuning of an OutboxRelay. Out-of-range values are clamped: batch_size to
// at least 1, durations to at least 1ms, max_backoff to at least
// initial_backoff, jitter to [0, 1].
struct RelayOptions {
  // Most messages of one destination one round hands to its deliverer.
  // Rows enqueued during a round wait for the next one, so this bounds how
  // long a backlog elsewhere delays a new message (25 audit deliveries are
  // ~10 ms), while a round's deletions still share one transaction.
  int batch_size = 25;
  // Real time the worker thread waits between rounds unless Notify()d.
  absl::Duration poll_interval = absl::Seconds(1);
  // A message that failed n times before waits
  // min(initial_backoff * 2^n, max_backoff), shortened by a random fraction
  // of up to `jitter` (so never longer than max_backoff).
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Minutes(1);
  double jitter = 0.2;
  // Longest last_error stored, in bytes.
  size_t max_error_bytes = 1024;
  // With several replicas on one database: the name of the db::Lease (the
  // store's migrations include db::LeaseMigration) a relay must hold to
  // deliver, so that one replica at a time delivers the outbox and no row
  // goes out twice at once. A round that does not get it delivers nothing;
  // a round stops delivering once the lease may have lapsed (half its
  // ttl); Stop() gives it up. Another replica takes over within lease_ttl
  // of a holder's death. Only on PostgreSQL (a SQLite file has one
  // process); empty: no lease.
  std::string lease = "outbox";
  absl::Duration lease_ttl = absl::Seconds(10);
};

// Delivers a service's outbox rows to their destinations (see outbox.h).
//
// A round (RunOnce) looks, per destination, at the rows in id order and
// takes up to batch_size leading rows that are due (next_attempt_time <=
// clock->Now()); the destinations' Deliverers then take turns, one row
// each, so a backlog for one destination hardly delays another. Delivered
// rows are deleted in one transaction at the end of the round (only rows
// whose Deliver returned OK; a crash before that delivers them again, and
// consumers drop them by idempotency key). A
// failed row gets attempts+1, last_error and a next_attempt_time after an
// exponential backoff, and its destination stops for the round. Because a
// destination's rows are delivered strictly in id order, a failing row also
// holds back the rows behind it until it goes through; other destinations
// are not affected. Rows whose destination has no Deliverer stay untouched
// (a warning is logged). A row its target refuses for good (see
// IsPermanentDeliveryFailure) would block its destination forever, so it is
// parked instead: moved, in one transaction, to `outbox_parked` with its
// error (an `outbox_row_parked` error is logged), and the rows behind it go
// on in order. Nothing is ever dropped: parked rows keep their idempotency
// key and go back to the end of the outbox on RetryParked(), which Start()
// calls, so a release that fixed the cause delivers them.
//
// The relay reads and writes through the service's own db::Store (either
// engine), whose migrations include the outbox tables, e.g.:
//
//   OutboxRelay relay(store.get(), {{"audit", &audit_deliverer}}, &clock,
//                     {});
//   relay.Start();
//   ...  // after committing a transaction that enqueued: relay.Notify();
//   relay.Stop();
//
// Rows outlive the process: a relay opened on the same file after a restart
// delivers what the previous one left.
//
// Thread-safety: thread-safe. Rounds are serialised (RunOnce may be called
// while the worker runs). The Deliverers and the clock are not owned and must
// outlive the relay.
class OutboxRelay final {
 public:
  using Options = RelayOptions;

  // `deliverers` maps destination → Deliverer (not owned, non-null).
  OutboxRelay(db::Store* store,
              absl::flat_hash_map<std::string, Deliverer*> deliverers,
              const Clock* clock, Options options);
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;
  // Stops the worker thread if it runs.
  ~OutboxRelay();

  // Runs one delivery round (see the class comment) on the calling thread
  // and returns how many messages were delivered. An error means the
  // relay's own bookkeeping failed (the database); messages delivered
  // before it stay delivered.
  absl::StatusOr<int> RunOnce() ABSL_LOCKS_EXCLUDED(run_mu_);

  // Starts a worker thread that runs a round, then waits up to
  // poll_interval (real time) or until Notify(), and so on; after a round
  // that delivered a full batch it goes again at once. No-op if running.
  void Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_);

  // Wakes the worker for a round now. Call it after committing a transaction
  // that enqueued, so delivery starts within milliseconds. Cheap; a no-op
  // when the worker is not running. On a replica that does not hold the
  // lease the worker passes the wake-up on: it announces the new rows with
  // pg_notify on `<schema>_outbox`, which every replica's relay LISTENs to,
  // so the holder delivers them at once rather than at its next poll.
  void Notify() ABSL_LOCKS_EXCLUDED(mu_);

  // Wakes the worker and joins it, after the round in progress (if any)
  // finished. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_);

  // Rows in the outbox, due or not (for tests and health checks); -1 if the
  // database cannot be read.
  int64_t pending_count();

  // Parked rows (see the class comment); -1 if the database cannot be read.
  int64_t parked_count();

  // How often the relay's LISTEN for other replicas' announcements took
  // effect (0 without a lease or on SQLite); for tests.
  int64_t listens() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);

  // Moves every parked row back to the end of the outbox, due now, with its
  // idempotency key and no attempts; returns how many.
  absl::StatusOr<int> RetryParked();

 private:
  // The due rows of each destination with a Deliverer, in id order.
  absl::StatusOr<std::vector<std::vector<OutboxMessage>>> LoadDue(
      absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  absl::Status DeleteAll(const std::vector<int64_t>& ids);
  absl::Status RecordFailure(const OutboxMessage& message,
                             const absl::Status& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  absl::Status Park(const OutboxMessage& message, const absl::Status& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  int64_t Count(const char* sql);
  absl::Duration Backoff(int attempts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  void WarnUnknownDestination(const std::string& destination, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  void WorkerLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Another replica announced rows (the listener's thread).
  void WakeForAnnouncement() ABSL_LOCKS_EXCLUDED(mu_);
  // Tells the holder of the lease that this replica wrote rows.
  void Announce();

  const absl::flat_hash_map<std::string, Deliverer*> deliverers_;
  const Clock* const clock_;
  const Options options_;

  // Serialises rounds.
  absl::Mutex run_mu_;
  absl::BitGen jitter_bits_ ABSL_GUARDED_BY(run_mu_);
  // When each unknown destination was last reported.
  absl::flat_hash_map<std::string, absl::Time> unknown_reported_
      ABSL_GUARDED_BY(run_mu_);

  // The service's store (not owned): its writes are held only around
  // database access, never while a Deliverer runs.
  db::Store* const store_;
  // Null without options.lease.
  const std::unique_ptr<db::Lease> lease_;
  // With a lease: the connection string and the channel replicas announce
  // new rows on; the listener runs while the worker does.
  std::string conninfo_;
  std::string channel_;
  std::unique_ptr<db::pg::Listener> listener_ ABSL_GUARDED_BY(lifecycle_mu_);

  // Start()/Stop().
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread worker_ ABSL_GUARDED_BY(lifecycle_mu_);

  // Worker wake-ups.
  absl::Mutex mu_;
  absl::CondVar wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;   // by a local write
  bool announced_ ABSL_GUARDED_BY(mu_) = false;  // by another replica
};

}  // namespace helpdesk::outbox

#endif  // HELPDESK_LIBS_OUTBOX_RELAY_H_
