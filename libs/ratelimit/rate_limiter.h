#ifndef HELPDESK_LIBS_RATELIMIT_RATE_LIMITER_H_
#define HELPDESK_LIBS_RATELIMIT_RATE_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/migration.h"
#include "libs/db/store.h"

namespace helpdesk::ratelimit {

// The rate_limits table of a store whose limiters are shared (see
// RateLimiter::Options::shared_store); PostgreSQL migration lists only.
constexpr db::Migration RateLimitMigration(int version) {
  return {version, "rate limits shared by replicas",
          "CREATE TABLE rate_limits (key TEXT PRIMARY KEY, "
          "tat BIGINT NOT NULL)"};
}

// "`count` events per `period`", e.g. {10, absl::Minutes(10)}: a burst of
// up to `count` events, then one event every `period / count`.
// Requires count >= 1 and period > 0 (RateLimiter clamps other values to 1
// and one nanosecond).
struct RateLimit {
  int64_t count = 1;
  absl::Duration period = absl::Seconds(1);
};

// The default message of a refusal.
inline constexpr char kDefaultRateLimitMessage[] =
    "too many requests; try again later";

// A per-key rate limiter (keys are e.g. "login:<email>" or a peer address).
//
// It implements GCRA, the generic cell rate algorithm: each key stores one
// "theoretical arrival time" (TAT). With T = period / count (rounded up to
// a whole nanosecond) and a burst tolerance of (count - 1) * T, an event at
// `now` is allowed when now >= TAT - (count - 1) * T, and then moves TAT to
// max(TAT, now) + T. So a fresh (or long idle) key may use all `count`
// events at once, and after that gets one event per T. Unlike fixed windows
// there is no reset instant at which a second full burst becomes
// available: within any span of length L a key gets at most
// count + floor(L / T) events (so never more than `count` within T, and
// at most the burst plus the sustained rate over longer spans).
//
// Memory is bounded by `Options::max_keys`. When a new key meets a full
// table, keys whose state has fully decayed (TAT <= now, i.e. exactly like a
// fresh key) are dropped first; if that frees less than a tenth of the
// table, the least restrictive remaining keys (smallest TAT) are dropped too
// until a tenth is free, so the O(max_keys) sweep is amortized over many
// insertions. Dropping a still-limited key hands it a fresh budget, which is
// why the most restrictive keys go last. A call never fails because the
// table is full.
//
// Usage:
//   ratelimit::RateLimiter login_limiter(
//       {.limit = {10, absl::Minutes(10)}, .enabled = flags.rate_limits},
//       &clock);
//   RETURN_IF_ERROR(login_limiter.Acquire(absl::StrCat("login:", email)));
//
// A refusal is RESOURCE_EXHAUSTED carrying a google.rpc.RetryInfo whose delay
// is exactly how long until the key's next event is allowed (read it with
// helpdesk::GetRetryDelay; libs/rpc turns it into a `retry-after` trailer).
//
// Thread-safe: every method may be called concurrently (one absl::Mutex
// guards the table). Time comes only from the injected Clock, which must
// outlive the limiter.
class RateLimiter final {
 public:
  struct Options {
    // `limit`, enforced unless `enabled` is false (--rate_limits=false).
    static Options For(RateLimit limit, bool enabled,
                       db::Store* shared_store = nullptr,
                       std::string shared_name = "") {
      Options options;
      options.limit = limit;
      options.enabled = enabled;
      options.shared_store = shared_store;
      options.shared_name = std::move(shared_name);
      return options;
    }

    RateLimit limit;
    // Upper bound on the number of keys held; values below 1 count as 1.
    size_t max_keys = 100000;
    // false allows every call and records nothing (--rate_limits=false).
    bool enabled = true;
    // With several replicas: a store on PostgreSQL (its migrations include
    // RateLimitMigration) keeps the TATs in its rate_limits table, under
    // "<shared_name>:<key>", so replicas share one budget per key (a limit
    // of 5 stays 5, not 5 per replica). One upsert per Acquire decides
    // atomically. A store on SQLite (one process), or none: in memory.
    db::Store* shared_store = nullptr;
    std::string shared_name;
  };

  RateLimiter(Options options, const Clock* clock);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Records one event for `key` if the limit allows it and returns OK;
  // otherwise records nothing and returns RESOURCE_EXHAUSTED with `message`
  // and a RetryInfo (see ResourceExhaustedRetryAfter) saying how long until
  // one more event would be allowed.
  absl::Status Acquire(absl::string_view key,
                       absl::string_view message = kDefaultRateLimitMessage)
      ABSL_LOCKS_EXCLUDED(mu_);

  // What Acquire would return now, without recording anything.
  absl::Status Check(absl::string_view key,
                     absl::string_view message = kDefaultRateLimitMessage) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The number of keys currently held (at most max_keys).
  size_t key_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The earliest time `tat` allows another event.
  absl::Time AllowedAt(absl::Time tat) const;

  // Acquire and Check on the shared table.
  absl::Status AcquireShared(absl::string_view key, absl::string_view message,
                             absl::Time now);
  absl::Status CheckShared(absl::string_view key, absl::string_view message,
                           absl::Time now) const;
  absl::Status RefusedUntil(absl::Time tat, absl::string_view message,
                            absl::Time now) const;

  // Makes room for one more key. Requires a full table.
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const bool enabled_;
  const size_t max_keys_;
  // Emission interval T = period / count, rounded up to whole nanoseconds.
  const absl::Duration interval_;
  // Burst tolerance (count - 1) * T.
  const absl::Duration tolerance_;
  // Null: in memory.
  db::Store* const shared_;
  const std::string shared_name_;

  mutable absl::Mutex mu_;
  // Theoretical arrival time per key; keys with TAT <= now are redundant.
  absl::flat_hash_map<std::string, absl::Time> tat_ ABSL_GUARDED_BY(mu_);
};

}  // namespace helpdesk::ratelimit

#endif  // HELPDESK_LIBS_RATELIMIT_RATE_LIMITER_H_
