#include "services/notification/watch_queue.h"

#include <cstdint>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.pb.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

Notification WithId(int64_t id) {
  Notification notification;
  notification.set_id(id);
  return notification;
}

// "hb:N" for a heartbeat, "n<id>:N" for a notification (N: unread count),
// "-" when nothing is ready.
std::string Describe(const std::optional<WatchNotificationsResponse>& event) {
  if (!event.has_value()) return "-";
  if (event->has_heartbeat()) {
    return "hb:" + std::to_string(event->unread_count());
  }
  return "n" + std::to_string(event->notification().id()) + ":" +
         std::to_string(event->unread_count());
}

TEST(WatchQueueTest, NothingGoesOutBeforeTheOpeningCount) {
  WatchQueue queue(8);
  queue.AddNotification(WithId(1), {1, 5});
  EXPECT_EQ(Describe(queue.Pop()), "-");
  queue.AddCount({1, 5});
  EXPECT_TRUE(queue.opened());
  EXPECT_EQ(Describe(queue.Pop()), "hb:1");
  EXPECT_EQ(Describe(queue.Pop()), "n1:1");
  EXPECT_EQ(Describe(queue.Pop()), "-");
}

TEST(WatchQueueTest, EventsLeaveWithTheNewestCount) {
  WatchQueue queue(8);
  queue.AddCount({0, 1});
  queue.AddNotification(WithId(1), {1, 2});
  queue.AddNotification(WithId(2), {2, 3});
  EXPECT_EQ(Describe(queue.Pop()), "hb:2");
  EXPECT_EQ(Describe(queue.Pop()), "n1:2");
  // An older count read late (a heartbeat round racing a change) is ignored.
  queue.AddCount({1, 2});
  EXPECT_EQ(Describe(queue.Pop()), "n2:2");
  EXPECT_EQ(Describe(queue.Pop()), "hb:2");
  queue.AddCount({0, 4});  // marked read elsewhere
  EXPECT_EQ(Describe(queue.Pop()), "hb:0");
}

TEST(WatchQueueTest, HeartbeatsBehindEachOtherCollapse) {
  WatchQueue queue(8);
  queue.AddCount({3, 1});
  queue.AddCount({2, 2});
  queue.AddCount({1, 3});
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(Describe(queue.Pop()), "hb:1");
}

TEST(WatchQueueTest, OverflowReplacesTheBacklogWithOneHeartbeat) {
  WatchQueue queue(3);
  queue.AddCount({0, 1});
  EXPECT_EQ(Describe(queue.Pop()), "hb:0");
  for (int64_t id = 1; id <= 4; ++id) {
    queue.AddNotification(WithId(id), {id, static_cast<uint64_t>(id + 1)});
  }
  EXPECT_EQ(queue.overflows(), 1);
  queue.AddNotification(WithId(5), {5, 6});
  EXPECT_EQ(Describe(queue.Pop()), "hb:5");
  EXPECT_EQ(Describe(queue.Pop()), "n5:5");
  EXPECT_EQ(Describe(queue.Pop()), "-");
}

TEST(WatchQueueTest, ClearDropsWhatIsQueued) {
  WatchQueue queue(8);
  queue.AddCount({0, 1});
  queue.AddNotification(WithId(1), {1, 2});
  queue.Clear();
  EXPECT_EQ(Describe(queue.Pop()), "-");
}

}  // namespace
}  // namespace helpdesk::notification
