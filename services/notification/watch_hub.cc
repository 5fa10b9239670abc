#include "services/notification/watch_hub.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/log/log.h"

namespace helpdesk::notification {

using ::helpdesk::notifications::v1::Notification;

WatchHub::WatchHub(CountReader read_count, auth::TokenResolver* resolver,
                   WatchHubOptions options)
    : read_count_(std::move(read_count)),
      resolver_(resolver),
      options_(options) {
  worker_ = std::thread([this] { RunWorker(); });
}

WatchHub::~WatchHub() {
  Close(absl::UnavailableError("the server is shutting down; reconnect"));
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

void WatchHub::Add(std::shared_ptr<Watcher> watcher) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      refused = close_status_;
    } else {
      opening_.push_back(watcher);
      by_user_[watcher->user_id()].push_back(std::move(watcher));
      ++watcher_count_;
      return;
    }
  }
  watcher->End(refused);
}

void WatchHub::Remove(const Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  auto it = by_user_.find(watcher->user_id());
  if (it == by_user_.end()) return;
  auto& list = it->second;
  auto found = std::find_if(list.begin(), list.end(), [&](const auto& entry) {
    return entry.get() == watcher;
  });
  if (found == list.end()) return;
  list.erase(found);
  --watcher_count_;
  if (list.empty()) by_user_.erase(it);
}

int WatchHub::watcher_count() const {
  absl::MutexLock lock(&mu_);
  return watcher_count_;
}

std::vector<std::shared_ptr<Watcher>> WatchHub::WatchersOf(
    int64_t user_id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return {};
  return it->second;
}

void WatchHub::PublishNotification(const Notification& notification,
                                   UnreadCount unread) {
  for (const auto& watcher : WatchersOf(notification.user_id())) {
    watcher->OnNotification(notification, unread);
  }
}

void WatchHub::PublishUnreadCount(int64_t user_id, UnreadCount unread) {
  for (const auto& watcher : WatchersOf(user_id)) {
    watcher->OnUnreadCount(unread);
  }
}

void WatchHub::Close(const absl::Status& status) {
  std::vector<std::shared_ptr<Watcher>> open;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    close_status_ = status;
    opening_.clear();
    for (const auto& [user_id, watchers] : by_user_) {
      open.insert(open.end(), watchers.begin(), watchers.end());
    }
  }
  // Each watcher removes itself once its call is done.
  for (const auto& watcher : open) watcher->End(status);
}

void WatchHub::SendOpeningCounts(
    const std::vector<std::weak_ptr<Watcher>>& watchers) {
  absl::flat_hash_map<int64_t, absl::StatusOr<UnreadCount>> counts;
  for (const auto& weak : watchers) {
    std::shared_ptr<Watcher> watcher = weak.lock();
    if (watcher == nullptr) continue;
    auto it = counts.find(watcher->user_id());
    if (it == counts.end()) {
      it = counts.emplace(watcher->user_id(), read_count_(watcher->user_id()))
               .first;
    }
    if (it->second.ok()) {
      watcher->OnUnreadCount(*it->second);
    } else {
      watcher->End(it->second.status());
    }
  }
}

void WatchHub::SendHeartbeats() {
  std::vector<std::shared_ptr<Watcher>> all;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    all.reserve(watcher_count_);
    for (const auto& [user_id, watchers] : by_user_) {
      all.insert(all.end(), watchers.begin(), watchers.end());
    }
  }
  // Sessions are checked once per token and counts read once per user. When
  // auth cannot answer, streams stay open and later checks of this round
  // are skipped rather than each waiting for its deadline.
  absl::flat_hash_map<std::string, bool> session_valid;
  absl::flat_hash_map<int64_t, absl::StatusOr<UnreadCount>> counts;
  bool auth_unavailable = false;
  for (const auto& watcher : all) {
    if (!auth_unavailable) {
      auto session = session_valid.find(watcher->session_token());
      if (session == session_valid.end()) {
        absl::StatusOr<auth::Principal> principal =
            resolver_->Resolve(watcher->session_token());
        if (!principal.ok() && !absl::IsUnauthenticated(principal.status())) {
          LogWarning("watch_session_check_failed",
                     {{"error", principal.status().ToString()}});
          auth_unavailable = true;
        } else {
          session = session_valid
                        .emplace(watcher->session_token(),
                                 principal.ok() &&
                                     principal->user_id == watcher->user_id())
                        .first;
        }
      }
      if (session != session_valid.end() && !session->second) {
        watcher->End(
            absl::UnauthenticatedError("the session has ended; sign in again"));
        continue;
      }
    }
    auto count = counts.find(watcher->user_id());
    if (count == counts.end()) {
      count =
          counts.emplace(watcher->user_id(), read_count_(watcher->user_id()))
              .first;
    }
    if (count->second.ok()) watcher->OnUnreadCount(*count->second);
  }
}

void WatchHub::RunWorker() {
  absl::Time next_heartbeat = absl::Now() + options_.heartbeat_interval;
  while (true) {
    std::vector<std::weak_ptr<Watcher>> opening;
    bool heartbeat = false;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !opening_.empty();
      };
      mu_.AwaitWithDeadline(absl::Condition(&has_work), next_heartbeat);
      if (stopping_) return;
      opening.swap(opening_);
      if (absl::Now() >= next_heartbeat) {
        heartbeat = true;
        next_heartbeat = absl::Now() + options_.heartbeat_interval;
      }
    }
    if (!opening.empty()) SendOpeningCounts(opening);
    if (heartbeat) SendHeartbeats();
  }
}

}  // namespace helpdesk::notification
