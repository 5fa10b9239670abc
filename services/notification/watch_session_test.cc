// WatchNotifications streams and the sessions they were opened with: ended
// at once when told, found by the session rounds otherwise. Real gRPC on
// loopback, a real auth service.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "libs/status/status_matchers.h"
#include "services/notification/notification_store.h"
#include "services/notification/notification_test_fixture.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

using WatchSessionTest = NotificationTest;

// A watcher that records what the hub does to it.
class RecordingWatcher final : public Watcher {
 public:
  RecordingWatcher(int64_t user_id, std::string session_token)
      : user_id_(user_id), session_token_(std::move(session_token)) {}

  int64_t user_id() const override { return user_id_; }
  const std::string& session_token() const override { return session_token_; }
  void OnNotification(const notifications::v1::Notification& /*notification*/,
                      UnreadCount /*unread*/) override {
    absl::MutexLock lock(&mu_);
    ++events_;
  }
  void OnUnreadCount(UnreadCount /*unread*/) override {
    absl::MutexLock lock(&mu_);
    ++events_;
  }
  void End(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    if (!end_status_.has_value()) end_status_ = status;
  }

  // The status it was ended with, or nullopt after `timeout`.
  std::optional<absl::Status> WaitForEnd(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ended = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return end_status_.has_value();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ended), timeout);
    return end_status_;
  }
  // Whether `count` events arrived within `timeout`.
  bool WaitForEvents(int count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto arrived = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return events_ >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }
  int events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  const int64_t user_id_;
  const std::string session_token_;
  absl::Mutex mu_;
  int events_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);
};

TEST_F(WatchSessionTest, EndingASessionEndsOnlyThatSessionsStreams) {
  const TestUser laptop = user_a_;
  const TestUser phone = Login("usera@example.com");  // A's second session
  auto on_laptop = Watch(laptop);
  auto on_phone = Watch(phone);
  auto of_b = Watch(user_b_);
  ExpectHeartbeat(on_laptop->Next(), 0);
  ExpectHeartbeat(on_phone->Next(), 0);
  ExpectHeartbeat(of_b->Next(), 0);

  EXPECT_EQ(component_->watch_hub()->EndSessionWatchers(laptop.token), 1);
  auto status = on_laptop->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The same user's other session still hears of new notifications.
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  auto event = on_phone->Next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->notification().id(), created->id());
  EXPECT_TRUE(WaitForWatcherCount(component_->watch_hub(), 2));
}

TEST_F(WatchSessionTest, SessionRoundsRunBetweenHeartbeats) {
  StartNotification({.heartbeat_interval = absl::Hours(1),
                     .session_check_interval = absl::Milliseconds(50)});
  auto watch_a = Watch(user_a_);
  auto watch_b = Watch(user_b_);
  ExpectHeartbeat(watch_a->Next(), 0);
  ExpectHeartbeat(watch_b->Next(), 0);

  // Auth forgets the token at once, but nothing tells this hub (as in
  // split mode): a session round finds it.
  ASSERT_THAT(Logout(user_a_), IsOk());
  auto status = watch_a->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Session rounds send nothing to the streams they keep.
  EXPECT_FALSE(watch_b->Next(absl::Milliseconds(200)).has_value());
  EXPECT_TRUE(WaitForWatcherCount(component_->watch_hub(), 1));
}

// The session ended after the interceptor let the call in but before the
// hub had the stream: the opening check ends it instead of a heartbeat.
TEST_F(WatchSessionTest, SessionThatEndedBeforeTheStreamOpenedEndsIt) {
  ASSERT_THAT(Logout(user_a_), IsOk());
  auto late = std::make_shared<RecordingWatcher>(user_a_.id, user_a_.token);
  ASSERT_THAT(component_->watch_hub()->Add(late), IsOk());
  auto status = late->WaitForEnd(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_THAT(*status, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(late->events(), 0);
  component_->watch_hub()->Remove(late.get());

  auto fine = std::make_shared<RecordingWatcher>(user_b_.id, user_b_.token);
  ASSERT_THAT(component_->watch_hub()->Add(fine), IsOk());
  EXPECT_TRUE(fine->WaitForEvents(1, absl::Seconds(10)));  // opening count
  EXPECT_FALSE(fine->WaitForEnd(absl::ZeroDuration()).has_value());
  component_->watch_hub()->Remove(fine.get());
}

}  // namespace
}  // namespace helpdesk::notification
