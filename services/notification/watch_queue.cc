#include "services/notification/watch_queue.h"

#include <optional>
#include <utility>

namespace helpdesk::notification {
namespace {

using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

WatchNotificationsResponse Heartbeat() {
  WatchNotificationsResponse event;
  event.mutable_heartbeat();
  return event;
}

}  // namespace

void WatchQueue::UpdateCount(UnreadCount unread) {
  if (unread.version >= unread_.version) unread_ = unread;
}

void WatchQueue::Push(WatchNotificationsResponse event) {
  if (event.has_heartbeat() && !events_.empty() &&
      events_.back().has_heartbeat()) {
    return;
  }
  if (events_.size() >= max_events_) {
    events_.clear();
    events_.push_back(Heartbeat());
    ++overflows_;
    return;
  }
  events_.push_back(std::move(event));
}

void WatchQueue::AddNotification(const Notification& notification,
                                 UnreadCount unread) {
  UpdateCount(unread);
  WatchNotificationsResponse event;
  *event.mutable_notification() = notification;
  Push(std::move(event));
}

void WatchQueue::AddCount(UnreadCount unread) {
  UpdateCount(unread);
  if (!opened_) {
    opened_ = true;
    if (events_.empty() || !events_.front().has_heartbeat()) {
      events_.push_front(Heartbeat());
    }
    return;
  }
  Push(Heartbeat());
}

std::optional<WatchNotificationsResponse> WatchQueue::Pop() {
  if (!opened_ || events_.empty()) return std::nullopt;
  WatchNotificationsResponse event = std::move(events_.front());
  events_.pop_front();
  event.set_unread_count(unread_.count);
  return event;
}

}  // namespace helpdesk::notification
