// The per-user cap on open WatchNotifications streams: real parallel gRPC
// streams on loopback, a real auth service for sessions.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"
#include "services/notification/notification_test_fixture.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::notifications::v1::WatchNotificationsRequest;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;
using ::helpdesk::testing::IsOk;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;

class WatchCapTest : public NotificationTest {
 protected:
  // Restarts the notification service with `cap` streams per user.
  void StartWithCap(int cap) {
    StartNotification({.heartbeat_interval = absl::Hours(1),
                       .session_check_interval = absl::Hours(1),
                       .max_watchers_per_user = cap});
  }

  // Opens `count` streams of `user`, each read up to its opening heartbeat.
  std::vector<std::unique_ptr<TestWatch>> OpenStreams(const TestUser& user,
                                                      int count) {
    std::vector<std::unique_ptr<TestWatch>> streams;
    for (int i = 0; i < count; ++i) {
      streams.push_back(Watch(user));
      ExpectHeartbeat(streams.back()->Next(), 0);
    }
    return streams;
  }

  void ExpectRefusedForTheCap(TestWatch& watch) {
    std::optional<grpc::Status> status = watch.WaitForEnd();
    ASSERT_TRUE(status.has_value()) << "the stream is still open";
    EXPECT_EQ(status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << status->error_message();
    EXPECT_FALSE(watch.Next(absl::ZeroDuration()).has_value());
  }
};

TEST_F(WatchCapTest, StreamBeyondTheDefaultCapIsRefusedWithRetryInfo) {
  const int cap = WatchHubOptions().max_watchers_per_user;
  ASSERT_EQ(cap, 16);
  auto open = OpenStreams(user_a_, cap);

  // The next one, on a call of its own to see the trailers.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + user_a_.token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto reader =
      stub_->WatchNotifications(&context, WatchNotificationsRequest());
  WatchNotificationsResponse event;
  EXPECT_FALSE(reader->Read(&event));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("too many open notification streams"));
  EXPECT_THAT(GetRetryDelay(rpc::FromGrpcStatus(status)),
              Optional(absl::Seconds(30)));
  EXPECT_THAT(context.GetServerTrailingMetadata(),
              Contains(Pair("retry-after", "30")));

  // The open streams are untouched.
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  for (const auto& watch : open) {
    auto delivered = watch->Next();
    ASSERT_TRUE(delivered.has_value());
    EXPECT_EQ(delivered->notification().id(), created->id());
  }
  EXPECT_EQ(component_->watch_hub()->watcher_count(), cap);
}

TEST_F(WatchCapTest, CapIsPerUser) {
  StartWithCap(2);
  auto streams_a = OpenStreams(user_a_, 2);
  auto refused = Watch(user_a_);
  ExpectRefusedForTheCap(*refused);
  auto streams_b = OpenStreams(user_b_, 2);
  EXPECT_EQ(component_->watch_hub()->watcher_count(), 4);
}

TEST_F(WatchCapTest, CancelledStreamFreesItsSlot) {
  StartWithCap(2);
  auto streams = OpenStreams(user_a_, 2);
  auto refused = Watch(user_a_);
  ExpectRefusedForTheCap(*refused);

  streams[0]->Cancel();
  auto status = streams[0]->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitForWatcherCount(component_->watch_hub(), 1));
  auto replacement = Watch(user_a_);
  ExpectHeartbeat(replacement->Next(), 0);
}

TEST_F(WatchCapTest, ExpiredDeadlineFreesItsSlot) {
  StartWithCap(1);
  auto short_lived = Watch(user_a_, absl::Milliseconds(300));
  ExpectHeartbeat(short_lived->Next(), 0);
  auto status = short_lived->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(WaitForWatcherCount(component_->watch_hub(), 0));
  auto next = Watch(user_a_);
  ExpectHeartbeat(next->Next(), 0);
}

TEST_F(WatchCapTest, StreamEndedByTheServerFreesItsSlot) {
  StartWithCap(1);
  auto first = Watch(user_a_);
  ExpectHeartbeat(first->Next(), 0);
  // Ending the session's streams (the session itself stays valid here).
  EXPECT_EQ(component_->watch_hub()->EndSessionWatchers(user_a_.token), 1);
  auto status = first->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(WaitForWatcherCount(component_->watch_hub(), 0));
  auto next = Watch(user_a_);
  ExpectHeartbeat(next->Next(), 0);
}

TEST_F(WatchCapTest, ZeroMeansNoCap) {
  StartWithCap(0);
  auto streams = OpenStreams(user_a_, 20);
  EXPECT_EQ(component_->watch_hub()->watcher_count(), 20);
}

}  // namespace
}  // namespace helpdesk::notification
