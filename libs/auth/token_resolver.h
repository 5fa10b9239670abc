#ifndef HELPDESK_LIBS_AUTH_TOKEN_RESOLVER_H_
#define HELPDESK_LIBS_AUTH_TOKEN_RESOLVER_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"
#include "libs/clock/clock.h"

namespace helpdesk::auth {

// Turns a session token into the principal it belongs to. The auth service
// answers from its own store; every other service asks auth over gRPC
// (RemoteTokenResolver). UNAUTHENTICATED for unknown, expired or revoked
// tokens; UNAVAILABLE when auth cannot be reached. Implementations are
// thread-safe.
class TokenResolver {
 public:
  virtual ~TokenResolver() = default;
  virtual absl::StatusOr<Principal> Resolve(absl::string_view token) = 0;
};

// Remembers successful resolutions of another resolver for `ttl` (a few
// seconds at most: a revoked token keeps working that long) and for at most
// `max_entries` tokens, evicting the least recently added. Failures are not
// cached. Tokens are kept only as SHA-256 digests. Callers that miss on the
// same token at the same time share one inner resolution (when an entry
// expired under load, every in-flight call used to resolve it again at
// once: a burst of auth lookups and session touches every ttl). Forget()
// drops a token at once (logout in this process), including a resolution
// of it that is still in flight. Thread-safe.
class CachingTokenResolver final : public TokenResolver {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(2);
    size_t max_entries = 10000;
  };

  CachingTokenResolver(TokenResolver* inner, const Clock* clock,
                       Options options);

  absl::StatusOr<Principal> Resolve(absl::string_view token) override;

  // The next Resolve(token) asks the inner resolver again. Call it after
  // the session ended, so that no call made afterwards is let in.
  void Forget(absl::string_view token) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    Principal principal;
    absl::Time expire_time;
    std::list<std::string>::iterator order;
  };

  // One inner resolution that callers of the same token wait for.
  struct InFlight {
    absl::Notification done;
    absl::StatusOr<Principal> result;
    // Set by Forget(): the result may predate the logout; do not cache it.
    bool forgotten = false;
  };

  TokenResolver* const inner_;
  const Clock* const clock_;
  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> insertion_order_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<InFlight>> in_flight_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_LIBS_AUTH_TOKEN_RESOLVER_H_
