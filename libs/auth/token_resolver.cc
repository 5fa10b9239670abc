#include "libs/auth/token_resolver.h"

#include <openssl/sha.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace helpdesk::auth {
namespace {

std::string Digest(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

CachingTokenResolver::CachingTokenResolver(TokenResolver* inner,
                                           const Clock* clock, Options options)
    : inner_(inner), clock_(clock), options_(options) {}

absl::StatusOr<Principal> CachingTokenResolver::Resolve(
    absl::string_view token) {
  const std::string key = Digest(token);
  std::shared_ptr<InFlight> flight;
  bool leader = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (clock_->Now() < it->second.expire_time) return it->second.principal;
      insertion_order_.erase(it->second.order);
      entries_.erase(it);
    }
    std::shared_ptr<InFlight>& slot = in_flight_[key];
    if (slot == nullptr) {
      slot = std::make_shared<InFlight>();
      leader = true;
    }
    flight = slot;
  }
  if (!leader) {
    flight->done.WaitForNotification();
    return flight->result;
  }

  // Resolve outside the lock: it may be an RPC.
  flight->result = inner_->Resolve(token);
  absl::MutexLock lock(&mu_);
  in_flight_.erase(key);
  flight->done.Notify();
  const absl::StatusOr<Principal>& principal = flight->result;
  if (!principal.ok() || options_.max_entries == 0 || flight->forgotten) {
    return principal;
  }
  if (entries_.contains(key)) return principal;
  while (entries_.size() >= options_.max_entries) {
    entries_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
  insertion_order_.push_back(key);
  entries_[key] = Entry{*principal, clock_->Now() + options_.ttl,
                        std::prev(insertion_order_.end())};
  return principal;
}

void CachingTokenResolver::Forget(absl::string_view token) {
  const std::string key = Digest(token);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    insertion_order_.erase(it->second.order);
    entries_.erase(it);
  }
  auto flight = in_flight_.find(key);
  if (flight != in_flight_.end()) flight->second->forgotten = true;
}

}  // namespace helpdesk::auth
