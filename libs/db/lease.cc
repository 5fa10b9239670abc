#include "libs/db/lease.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {
namespace {

// Takes a free or expired lease, or renews our own, in one statement (an
// upsert whose update only applies when the row allows it): RETURNING
// gives a row exactly when we hold it. Both engines.
constexpr char kAcquireSql[] =
    "INSERT INTO leases (name, owner, expire_time) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
    "expire_time = excluded.expire_time "
    "WHERE leases.owner = excluded.owner OR leases.expire_time <= ?4 "
    "RETURNING owner";
constexpr char kReleaseSql[] =
    "UPDATE leases SET expire_time = 0 WHERE name = ? AND owner = ?";

std::string RandomOwner() {
  absl::BitGen bits;
  return absl::StrCat(
      absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16));
}

}  // namespace

Lease::Lease(Store* store, std::string name, const Clock* clock,
             absl::Duration ttl, std::string owner)
    : store_(store),
      name_(std::move(name)),
      clock_(clock),
      ttl_(ttl),
      owner_(owner.empty() ? RandomOwner() : std::move(owner)) {}

absl::StatusOr<bool> Lease::Acquire() {
  const absl::Time now = clock_->Now();
  {
    // Renewed less than ttl / 4 ago: held, without a write.
    absl::MutexLock lock(&mu_);
    if (now < held_since_ + ttl_ / 4) return true;
  }
  bool held = false;
  // READ COMMITTED on PostgreSQL: two replicas racing for the row
  // serialise on its lock, and the loser's WHERE sees the winner's row.
  absl::Status status = store_->WriteReadCommitted([&](Connection& writer) {
    ASSIGN_OR_RETURN(
        Rows rows, writer.Query(kAcquireSql,
                                {name_, owner_, absl::ToUnixMicros(now + ttl_),
                                 absl::ToUnixMicros(now)}));
    held = !rows.empty();
    return absl::OkStatus();
  });
  absl::MutexLock lock(&mu_);
  held_since_ = status.ok() && held ? now : absl::InfinitePast();
  RETURN_IF_ERROR(status);
  return held;
}

bool Lease::HeldNow() const {
  absl::MutexLock lock(&mu_);
  return clock_->Now() < held_since_ + ttl_ / 2;
}

absl::Status Lease::Release() {
  {
    absl::MutexLock lock(&mu_);
    if (held_since_ == absl::InfinitePast()) return absl::OkStatus();
    held_since_ = absl::InfinitePast();
  }
  return store_->WriteReadCommitted([&](Connection& writer) {
    return writer.Query(kReleaseSql, {name_, owner_}).status();
  });
}

bool RunsHere(Lease* lease) {
  if (lease == nullptr) return true;
  absl::StatusOr<bool> held = lease->Acquire();
  return held.ok() && *held;
}

}  // namespace helpdesk::db
