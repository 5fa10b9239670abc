#include "services/auth/password_attempts.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/ratelimit/rate_limiter.h"
#include "libs/status/error_details.h"

namespace helpdesk::auth {
namespace {

constexpr char kTooManyFailures[] =
    "too many failed sign-in attempts for this account";

// How long until `status` (a limiter's Check) would allow an event; zero
// when it already does.
absl::Duration Wait(const absl::Status& status) {
  if (status.ok()) return absl::ZeroDuration();
  return GetRetryDelay(status).value_or(absl::ZeroDuration());
}

}  // namespace

PasswordAttemptLimiter::PasswordAttemptLimiter(const Options& options,
                                               const Clock* clock)
    : per_account_(ratelimit::RateLimiter::Options::For(
                       options.per_account, options.enabled,
                       options.shared_store, "login_account"),
                   clock),
      per_address_(ratelimit::RateLimiter::Options::For(
                       {1, options.address_memory}, options.enabled,
                       options.shared_store, "login_pair"),
                   clock),
      ceiling_(ratelimit::RateLimiter::Options::For(
                   options.ceiling, options.enabled, options.shared_store,
                   "login_ceiling"),
               clock) {}

std::string PasswordAttemptLimiter::PairKey(absl::string_view account,
                                            absl::string_view address) {
  // Length-prefixed, so no (account, address) pair can spell another.
  return absl::StrCat(account.size(), ":", account, address);
}

absl::Status PasswordAttemptLimiter::Admit(absl::string_view account,
                                           absl::string_view address) const {
  const absl::Duration ceiling_wait = Wait(ceiling_.Check(account));
  absl::Duration account_wait = Wait(per_account_.Check(account));
  if (account_wait > absl::ZeroDuration()) {
    // Over budget: only addresses without a recent failure get through.
    // This one may try again once either the account's budget or its own
    // record has decayed, whichever comes first.
    const absl::Duration address_wait =
        Wait(per_address_.Check(PairKey(account, address)));
    account_wait = std::min(account_wait, address_wait);
  }
  const absl::Duration wait = std::max(ceiling_wait, account_wait);
  if (wait <= absl::ZeroDuration()) return absl::OkStatus();
  return ResourceExhaustedRetryAfter(kTooManyFailures, wait);
}

void PasswordAttemptLimiter::RecordFailure(absl::string_view account,
                                           absl::string_view address) {
  // A limiter whose budget is spent records nothing more: the attempt was
  // admitted by one of the others, and the spent one already refuses.
  per_account_.Acquire(account).IgnoreError();
  per_address_.Acquire(PairKey(account, address)).IgnoreError();
  ceiling_.Acquire(account).IgnoreError();
}

}  // namespace helpdesk::auth
