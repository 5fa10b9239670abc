#ifndef HELPDESK_SERVICES_NOTIFICATION_WATCH_QUEUE_H_
#define HELPDESK_SERVICES_NOTIFICATION_WATCH_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "helpdesk/notifications/v1/notifications.pb.h"
#include "services/notification/notification_store.h"

namespace helpdesk::notification {

// What one WatchNotifications stream still has to send, and the policy for
// it, apart from gRPC:
//   - nothing goes out before the opening count (the first AddCount), which
//     then goes first;
//   - every event leaves with the newest unread count known at that moment
//     (counts carry store versions, so a late, older count is ignored);
//   - a heartbeat right behind another queued one adds nothing and is
//     dropped;
//   - at most `max_events` wait: when a slow reader lets the queue fill up,
//     everything queued is replaced by one heartbeat ("resync": the count
//     is current, the client re-lists to see what it missed).
// Not thread-safe: its owner (WatchReactor) guards it.
class WatchQueue final {
 public:
  explicit WatchQueue(size_t max_events)
      : max_events_(max_events < 1 ? 1 : max_events) {}

  void AddNotification(
      const ::helpdesk::notifications::v1::Notification& notification,
      UnreadCount unread);
  void AddCount(UnreadCount unread);

  // The next event to write, or nullopt when there is none or the stream
  // has not opened yet.
  std::optional<::helpdesk::notifications::v1::WatchNotificationsResponse>
  Pop();

  void Clear() { events_.clear(); }

  bool opened() const { return opened_; }
  size_t size() const { return events_.size(); }
  // How many times the queue overflowed into a resync heartbeat.
  int64_t overflows() const { return overflows_; }

 private:
  void UpdateCount(UnreadCount unread);
  void Push(::helpdesk::notifications::v1::WatchNotificationsResponse event);

  const size_t max_events_;
  std::deque<::helpdesk::notifications::v1::WatchNotificationsResponse> events_;
  bool opened_ = false;
  UnreadCount unread_;
  int64_t overflows_ = 0;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_WATCH_QUEUE_H_
