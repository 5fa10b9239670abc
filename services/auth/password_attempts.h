#ifndef HELPDESK_SERVICES_AUTH_PASSWORD_ATTEMPTS_H_
#define HELPDESK_SERVICES_AUTH_PASSWORD_ATTEMPTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/store.h"
#include "libs/ratelimit/rate_limiter.h"

namespace helpdesk::auth {

// Limits password guessing against each account without handing the
// guesser a way to lock the owner out (OWASP Authentication Cheat Sheet,
// "Account Lockout"; services/auth/README.md has the reasoning).
//
// Only failures count (RecordFailure), in three GCRA limiters:
//  - per account (`per_account`, e.g. 5 per 10 minutes): while the account
//    has budget left, any address may try it;
//  - per (account, address), one failure per `address_memory`: once the
//    account's budget is spent, an address may still try only if it has no
//    failure for that account on record (so at most once per
//    address_memory). The owner signs in from anywhere the guesser is not,
//    while the guessing address stays refused;
//  - per account from all addresses together (`ceiling`, larger): once
//    spent, nobody may try, so many addresses do not buy many guesses.
// Keys are the strings given, whether or not the account exists: an
// unknown email is limited exactly like a known one.
//
// Memory is bounded by the limiters (RateLimiter::Options::max_keys each).
// Thread-safe; the clock must outlive the limiter.
class PasswordAttemptLimiter final {
 public:
  struct Options {
    ratelimit::RateLimit per_account{5, absl::Minutes(10)};
    absl::Duration address_memory = absl::Minutes(10);
    ratelimit::RateLimit ceiling{20, absl::Minutes(10)};
    // false admits every attempt and records nothing.
    bool enabled = true;
    // Shared by replicas (see RateLimiter::Options::shared_store).
    db::Store* shared_store = nullptr;
  };

  PasswordAttemptLimiter(const Options& options, const Clock* clock);

  PasswordAttemptLimiter(const PasswordAttemptLimiter&) = delete;
  PasswordAttemptLimiter& operator=(const PasswordAttemptLimiter&) = delete;

  // OK if a password for `account` from `address` may be checked now;
  // otherwise RESOURCE_EXHAUSTED "too many failed sign-in attempts for this
  // account" with a RetryInfo saying when this address may try again.
  // Records nothing.
  absl::Status Admit(absl::string_view account,
                     absl::string_view address) const;

  // Counts one failed attempt (wrong password, or no such account) on
  // `account` from `address`.
  void RecordFailure(absl::string_view account, absl::string_view address);

 private:
  static std::string PairKey(absl::string_view account,
                             absl::string_view address);

  ratelimit::RateLimiter per_account_;
  // {1, address_memory}: Check() refuses while the (account, address) pair
  // has a failure on record.
  ratelimit::RateLimiter per_address_;
  ratelimit::RateLimiter ceiling_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_PASSWORD_ATTEMPTS_H_
