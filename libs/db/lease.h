#ifndef HELPDESK_LIBS_DB_LEASE_H_
#define HELPDESK_LIBS_DB_LEASE_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/migration.h"
#include "libs/db/store.h"

namespace helpdesk::db {

// The leases table, for a store's migration list (both engines; never edit
// it, add a migration).
constexpr Migration LeaseMigration(int version) {
  return {version, "leases (work one replica does at a time)",
          "CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, "
          "expire_time BIGINT NOT NULL)"};
}

// A named lease in a store's database: work that one replica at a time
// must do (an outbox's delivery, a sweep, pruning) runs only while its
// replica holds the lease. Acquire() takes the lease when it is free or
// expired and renews it when this owner holds it; it lasts `ttl` from then
// by the caller's clock, so replicas' clocks must agree to well within
// ttl / 2 (NTP). A holder should treat the lease as lost after ttl / 2
// without a renewal (HeldNow()), which leaves the other half of the ttl as
// margin before another replica may take it. A replica that dies holding
// it stops blocking others after ttl.
//
// On one SQLite file (one process) Acquire() always succeeds. Thread-safe.
class Lease final {
 public:
  // `store` (its migrations include LeaseMigration) and `clock` are not
  // owned. An empty `owner` is a random one.
  Lease(Store* store, std::string name, const Clock* clock,
        absl::Duration ttl = absl::Seconds(10), std::string owner = "");

  // True when this owner holds the lease until now + ttl; false when
  // another owner holds an unexpired one. An error: the database failed
  // (the lease counts as lost). Renewed less than ttl / 4 ago, it is
  // still held without asking the database (so frequent callers write at
  // most four times per ttl).
  absl::StatusOr<bool> Acquire() ABSL_LOCKS_EXCLUDED(mu_);

  // Whether the last Acquire() took the lease less than ttl / 2 ago.
  bool HeldNow() const ABSL_LOCKS_EXCLUDED(mu_);

  // Gives the lease up (another owner may take it at once), if held.
  absl::Status Release() ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& owner() const { return owner_; }

 private:
  Store* const store_;
  const std::string name_;
  const Clock* const clock_;
  const absl::Duration ttl_;
  const std::string owner_;

  mutable absl::Mutex mu_;
  absl::Time held_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Whether work guarded by `lease` runs on this replica now: always without
// a lease (one process, SQLite), else when Acquire() says it is held; a
// database error counts as not held.
bool RunsHere(Lease* lease);

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_LEASE_H_
