#include "libs/ratelimit/rate_limiter.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/sql.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"

namespace helpdesk::ratelimit {
namespace {

int64_t ClampedCount(const RateLimit& limit) {
  return std::max<int64_t>(limit.count, 1);
}

// T = period / count, rounded up so that the sustained rate never exceeds
// count per period and every TAT stays on whole nanoseconds (RetryInfo
// carries nanoseconds).
absl::Duration Interval(const RateLimit& limit) {
  const absl::Duration period = std::max(limit.period, absl::Nanoseconds(1));
  return std::max(
      absl::Ceil(period / ClampedCount(limit), absl::Nanoseconds(1)),
      absl::Nanoseconds(1));
}

}  // namespace

RateLimiter::RateLimiter(Options options, const Clock* clock)
    : clock_(clock),
      enabled_(options.enabled),
      max_keys_(std::max<size_t>(options.max_keys, 1)),
      interval_(Interval(options.limit)),
      tolerance_(interval_ * (ClampedCount(options.limit) - 1)),
      shared_(options.shared_store != nullptr &&
                      options.shared_store->engine() == db::Engine::kPostgres
                  ? options.shared_store
                  : nullptr),
      shared_name_(std::move(options.shared_name)) {}

absl::Time RateLimiter::AllowedAt(absl::Time tat) const {
  return tat - tolerance_;
}

absl::Status RateLimiter::Acquire(absl::string_view key,
                                  absl::string_view message) {
  if (!enabled_) return absl::OkStatus();
  const absl::Time now = clock_->Now();
  if (shared_ != nullptr) return AcquireShared(key, message, now);
  absl::MutexLock lock(&mu_);
  auto it = tat_.find(key);
  if (it == tat_.end()) {
    // A new key behaves like TAT <= now: the first event is always allowed.
    if (tat_.size() >= max_keys_) EvictLocked(now);
    tat_.emplace(std::string(key), now + interval_);
    return absl::OkStatus();
  }
  const absl::Time allowed_at = AllowedAt(it->second);
  if (now < allowed_at) {
    return ResourceExhaustedRetryAfter(
        message, absl::Ceil(allowed_at - now, absl::Nanoseconds(1)));
  }
  it->second = std::max(it->second, now) + interval_;
  return absl::OkStatus();
}

absl::Status RateLimiter::Check(absl::string_view key,
                                absl::string_view message) const {
  if (!enabled_) return absl::OkStatus();
  const absl::Time now = clock_->Now();
  if (shared_ != nullptr) return CheckShared(key, message, now);
  absl::MutexLock lock(&mu_);
  auto it = tat_.find(key);
  if (it == tat_.end()) return absl::OkStatus();
  const absl::Time allowed_at = AllowedAt(it->second);
  if (now < allowed_at) {
    return ResourceExhaustedRetryAfter(
        message, absl::Ceil(allowed_at - now, absl::Nanoseconds(1)));
  }
  return absl::OkStatus();
}

namespace {

// GCRA in one statement: a new key is inserted with TAT = now + T; an
// existing one moves to max(TAT, now) + T only when now >= TAT - tolerance.
// A row comes back exactly when the event is allowed. Times in µs;
// PostgreSQL SQL (shared limiters run on PostgreSQL only).
constexpr char kAcquireSharedSql[] =
    "INSERT INTO rate_limits AS r (key, tat) "
    "VALUES (?1, ?2::bigint + ?3::bigint) "
    "ON CONFLICT (key) DO UPDATE "
    "SET tat = GREATEST(r.tat, ?2::bigint) + ?3::bigint "
    "WHERE ?2::bigint >= r.tat - ?4::bigint RETURNING tat";
constexpr char kSelectSharedSql[] = "SELECT tat FROM rate_limits WHERE key = ?";

int64_t CeilMicros(absl::Duration d) {
  return absl::ToInt64Microseconds(absl::Ceil(d, absl::Microseconds(1)));
}

}  // namespace

absl::Status RateLimiter::RefusedUntil(absl::Time tat,
                                       absl::string_view message,
                                       absl::Time now) const {
  const absl::Time allowed_at = AllowedAt(tat);
  if (now >= allowed_at) return absl::OkStatus();
  return ResourceExhaustedRetryAfter(
      message, absl::Ceil(allowed_at - now, absl::Microseconds(1)));
}

absl::Status RateLimiter::AcquireShared(absl::string_view key,
                                        absl::string_view message,
                                        absl::Time now) {
  const std::string shared_key = absl::StrCat(shared_name_, ":", key);
  absl::Status verdict;
  RETURN_IF_ERROR(
      shared_->WriteReadCommitted([&](db::Connection& writer) -> absl::Status {
        ASSIGN_OR_RETURN(
            db::Rows allowed,
            writer.Query(kAcquireSharedSql,
                         {shared_key, absl::ToUnixMicros(now),
                          CeilMicros(interval_), CeilMicros(tolerance_)}));
        if (!allowed.empty()) return absl::OkStatus();
        ASSIGN_OR_RETURN(db::Rows current,
                         writer.Query(kSelectSharedSql, {shared_key}));
        if (current.empty())
          return absl::InternalError("rate limit row vanished");
        verdict = RefusedUntil(absl::FromUnixMicros(current.Int64(0, 0)),
                               message, now);
        return absl::OkStatus();
      }));
  return verdict;
}

absl::Status RateLimiter::CheckShared(absl::string_view key,
                                      absl::string_view message,
                                      absl::Time now) const {
  const std::string shared_key = absl::StrCat(shared_name_, ":", key);
  absl::Status verdict;
  RETURN_IF_ERROR(shared_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows current,
                     reader.Query(kSelectSharedSql, {shared_key}));
    if (current.empty()) return absl::OkStatus();
    verdict =
        RefusedUntil(absl::FromUnixMicros(current.Int64(0, 0)), message, now);
    return absl::OkStatus();
  }));
  return verdict;
}

size_t RateLimiter::key_count() const {
  absl::MutexLock lock(&mu_);
  return tat_.size();
}

void RateLimiter::EvictLocked(absl::Time now) {
  // Fully decayed keys carry no information: a fresh key behaves the same.
  absl::erase_if(tat_,
                 [now](const auto& entry) { return entry.second <= now; });

  // Free at least a tenth of the table (and at least one slot), so the next
  // insertions do not sweep again.
  const size_t target = max_keys_ - std::max<size_t>(max_keys_ / 10, 1);
  if (tat_.size() <= target) return;
  const size_t excess = tat_.size() - target;

  // Drop the `excess` least restrictive keys: everything below the
  // excess-th smallest TAT, then keys equal to it until enough are gone.
  std::vector<absl::Time> tats;
  tats.reserve(tat_.size());
  for (const auto& entry : tat_) tats.push_back(entry.second);
  std::nth_element(tats.begin(), tats.begin() + (excess - 1), tats.end());
  const absl::Time cutoff = tats[excess - 1];
  size_t removed = absl::erase_if(
      tat_, [cutoff](const auto& entry) { return entry.second < cutoff; });
  for (auto it = tat_.begin(); it != tat_.end() && removed < excess;) {
    if (it->second == cutoff) {
      tat_.erase(it++);
      ++removed;
    } else {
      ++it;
    }
  }
}

}  // namespace helpdesk::ratelimit
