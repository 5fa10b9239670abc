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
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/log/log.h"
#include "libs/status/error_details.h"

namespace helpdesk::notification {

using ::helpdesk::notifications::v1::Notification;

namespace {

absl::Status SessionEndedError() {
  return absl::UnauthenticatedError("the session has ended; sign in again");
}

}  // namespace

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

absl::Status WatchHub::Add(std::shared_ptr<Watcher> watcher) {
  absl::MutexLock lock(&mu_);
  if (closed_) return close_status_;
  const int cap = options_.max_watchers_per_user;
  auto existing = by_user_.find(watcher->user_id());
  if (cap > 0 && existing != by_user_.end() &&
      static_cast<int>(existing->second.size()) >= cap) {
    return ResourceExhaustedRetryAfter(
        absl::StrCat("too many open notification streams for this account "
                     "(at most ",
                     cap, "); close one, such as another tab, and retry"),
        options_.cap_retry_after);
  }
  opening_.push_back(watcher);
  by_user_[watcher->user_id()].push_back(std::move(watcher));
  ++watcher_count_;
  return absl::OkStatus();
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

std::vector<std::shared_ptr<Watcher>> WatchHub::AllWatchers() const {
  std::vector<std::shared_ptr<Watcher>> all;
  absl::MutexLock lock(&mu_);
  if (closed_) return all;
  all.reserve(watcher_count_);
  for (const auto& [user_id, watchers] : by_user_) {
    all.insert(all.end(), watchers.begin(), watchers.end());
  }
  return all;
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

int WatchHub::EndSessionWatchers(absl::string_view session_token) {
  // A scan rather than an index by token: sessions end rarely next to
  // publishes, and comparing a few thousand tokens takes microseconds.
  std::vector<std::shared_ptr<Watcher>> ended;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [user_id, watchers] : by_user_) {
      for (const auto& watcher : watchers) {
        if (watcher->session_token() == session_token) {
          ended.push_back(watcher);
        }
      }
    }
  }
  for (const auto& watcher : ended) watcher->End(SessionEndedError());
  return static_cast<int>(ended.size());
}

std::vector<std::shared_ptr<Watcher>> WatchHub::EndEndedSessions(
    std::vector<std::shared_ptr<Watcher>> watchers) {
  // Sessions are checked once per token. When auth cannot answer, streams
  // stay open and later checks of this round are skipped rather than each
  // waiting for its deadline.
  absl::flat_hash_map<std::string, bool> session_valid;
  std::vector<std::shared_ptr<Watcher>> open;
  open.reserve(watchers.size());
  bool auth_unavailable = false;
  for (std::shared_ptr<Watcher>& watcher : watchers) {
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
        watcher->End(SessionEndedError());
        continue;
      }
    }
    open.push_back(std::move(watcher));
  }
  return open;
}

void WatchHub::OpenWatchers(
    const std::vector<std::weak_ptr<Watcher>>& watchers) {
  std::vector<std::shared_ptr<Watcher>> alive;
  alive.reserve(watchers.size());
  for (const auto& weak : watchers) {
    if (std::shared_ptr<Watcher> watcher = weak.lock()) {
      alive.push_back(std::move(watcher));
    }
  }
  // The session may have ended between the interceptor's check and Add(),
  // when EndSessionWatchers() could not find the stream yet. The token was
  // just resolved, so this is normally a cache hit.
  absl::flat_hash_map<int64_t, absl::StatusOr<UnreadCount>> counts;
  for (const auto& watcher : EndEndedSessions(std::move(alive))) {
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

void WatchHub::CheckSessions() { EndEndedSessions(AllWatchers()); }

void WatchHub::SendHeartbeats() {
  // Counts are read once per user.
  absl::flat_hash_map<int64_t, absl::StatusOr<UnreadCount>> counts;
  for (const auto& watcher : EndEndedSessions(AllWatchers())) {
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
  absl::Time next_check = absl::Now() + options_.session_check_interval;
  while (true) {
    std::vector<std::weak_ptr<Watcher>> opening;
    bool heartbeat = false;
    bool check = false;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !opening_.empty();
      };
      mu_.AwaitWithDeadline(absl::Condition(&has_work),
                            std::min(next_heartbeat, next_check));
      if (stopping_) return;
      opening.swap(opening_);
      const absl::Time now = absl::Now();
      if (now >= next_heartbeat) {
        // A heartbeat round checks sessions as well.
        heartbeat = true;
        next_heartbeat = now + options_.heartbeat_interval;
        next_check = now + options_.session_check_interval;
      } else if (now >= next_check) {
        check = true;
        next_check = now + options_.session_check_interval;
      }
    }
    if (!opening.empty()) OpenWatchers(opening);
    if (heartbeat) {
      SendHeartbeats();
    } else if (check) {
      CheckSessions();
    }
  }
}

}  // namespace helpdesk::notification
