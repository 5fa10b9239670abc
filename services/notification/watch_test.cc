// WatchNotifications end to end: real gRPC on loopback, a real auth
// service for sessions, heartbeat rounds triggered by hand.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "services/notification/notification_test_fixture.h"

namespace helpdesk::notification {
namespace {

using ::helpdesk::notifications::v1::MarkAllNotificationsReadRequest;
using ::helpdesk::notifications::v1::MarkAllNotificationsReadResponse;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::notifications::v1::WatchNotificationsRequest;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;
using ::helpdesk::testing::IsOk;

using WatchTest = NotificationTest;

TEST_F(WatchTest, StreamOpensWithTheUnreadCount) {
  ASSERT_THAT(Create(user_a_.id, 1), IsOk());
  ASSERT_THAT(Create(user_a_.id, 2), IsOk());
  auto watch = Watch(user_a_);
  ExpectHeartbeat(watch->Next(), 2);
}

TEST_F(WatchTest, NewNotificationReachesOnlyItsUsersWatchers) {
  auto watch_a = Watch(user_a_);
  auto watch_b = Watch(user_b_);
  ExpectHeartbeat(watch_a->Next(), 0);
  ExpectHeartbeat(watch_b->Next(), 0);

  auto for_a = Create(user_a_.id, 1, "For A");
  ASSERT_THAT(for_a, IsOk());
  auto event = watch_a->Next();
  ASSERT_TRUE(event.has_value());
  ASSERT_TRUE(event->has_notification());
  EXPECT_EQ(event->notification().id(), for_a->id());
  EXPECT_EQ(event->notification().subject(), "For A");
  EXPECT_EQ(event->unread_count(), 1);

  // B's next event is B's own notification, not A's.
  auto for_b = Create(user_b_.id, 2, "For B");
  ASSERT_THAT(for_b, IsOk());
  auto event_b = watch_b->Next();
  ASSERT_TRUE(event_b.has_value());
  ASSERT_TRUE(event_b->has_notification());
  EXPECT_EQ(event_b->notification().id(), for_b->id());
  EXPECT_EQ(event_b->unread_count(), 1);
}

TEST_F(WatchTest, EveryWatcherOfTheUserReceivesIt) {
  auto laptop = Watch(user_a_);
  auto phone = Watch(user_a_);
  ExpectHeartbeat(laptop->Next(), 0);
  ExpectHeartbeat(phone->Next(), 0);
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  for (TestWatch* watch : {laptop.get(), phone.get()}) {
    auto event = watch->Next();
    ASSERT_TRUE(event.has_value());
    ASSERT_TRUE(event->has_notification());
    EXPECT_EQ(event->notification().id(), created->id());
  }
}

TEST_F(WatchTest, RetriedCreateIsNotDeliveredAgain) {
  auto watch = Watch(user_a_);
  ExpectHeartbeat(watch->Next(), 0);
  ASSERT_THAT(Create(user_a_.id, 1), IsOk());
  ASSERT_THAT(Create(user_a_.id, 1), IsOk());
  auto second = Create(user_a_.id, 2);
  ASSERT_THAT(second, IsOk());
  auto first_event = watch->Next();
  ASSERT_TRUE(first_event.has_value() && first_event->has_notification());
  auto next_event = watch->Next();
  ASSERT_TRUE(next_event.has_value() && next_event->has_notification());
  EXPECT_EQ(next_event->notification().id(), second->id());
}

TEST_F(WatchTest, ReadMarksSendTheNewCount) {
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  ASSERT_THAT(Create(user_a_.id, 2), IsOk());
  auto watch = Watch(user_a_);
  ExpectHeartbeat(watch->Next(), 2);

  ASSERT_THAT(MarkRead(user_a_, created->id()), IsOk());
  ExpectHeartbeat(watch->Next(), 1);
  ASSERT_THAT(MarkUnread(user_a_, created->id()), IsOk());
  ExpectHeartbeat(watch->Next(), 2);
  auto marked =
      Call<MarkAllNotificationsReadRequest, MarkAllNotificationsReadResponse>(
          &NotificationService::Stub::MarkAllNotificationsRead,
          MarkAllNotificationsReadRequest(), user_a_.token);
  ASSERT_THAT(marked, IsOk());
  ExpectHeartbeat(watch->Next(), 0);
}

TEST_F(WatchTest, HeartbeatRoundSendsTheCountToEveryWatcher) {
  ASSERT_THAT(Create(user_b_.id, 1), IsOk());
  auto watch_a = Watch(user_a_);
  auto watch_b = Watch(user_b_);
  ExpectHeartbeat(watch_a->Next(), 0);
  ExpectHeartbeat(watch_b->Next(), 1);
  component_->watch_hub()->SendHeartbeats();
  ExpectHeartbeat(watch_a->Next(), 0);
  ExpectHeartbeat(watch_b->Next(), 1);
}

TEST_F(WatchTest, HeartbeatsComeAtTheConfiguredInterval) {
  StartNotification(WatchHubOptions{absl::Milliseconds(50)});
  auto watch = Watch(user_a_);
  ExpectHeartbeat(watch->Next(), 0);
  ExpectHeartbeat(watch->Next(absl::Seconds(10)), 0);
  ExpectHeartbeat(watch->Next(absl::Seconds(10)), 0);
}

TEST_F(WatchTest, RevokedSessionEndsTheStreamUnauthenticated) {
  auto watch_a = Watch(user_a_);
  auto watch_b = Watch(user_b_);
  ExpectHeartbeat(watch_a->Next(), 0);
  ExpectHeartbeat(watch_b->Next(), 0);

  ASSERT_THAT(Logout(user_a_), IsOk());
  clock_.Advance(absl::Seconds(3));  // past the 2 s token cache
  component_->watch_hub()->SendHeartbeats();

  auto status = watch_a->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ExpectHeartbeat(watch_b->Next(), 0);  // B's session is fine
  EXPECT_TRUE(WaitForWatcherCount(component_->watch_hub(), 1));
}

TEST_F(WatchTest, WatchNeedsASession) {
  TestWatch anonymous(stub_.get(), "not-a-session");
  auto status = anonymous.WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(WatchTest, CancelledWatchIsForgotten) {
  auto watch = Watch(user_a_);
  ExpectHeartbeat(watch->Next(), 0);
  EXPECT_EQ(component_->watch_hub()->watcher_count(), 1);
  watch->Cancel();
  auto status = watch->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitForWatcherCount(component_->watch_hub(), 0));
  // Publishing to nobody is fine.
  EXPECT_THAT(Create(user_a_.id, 1), IsOk());
}

TEST_F(WatchTest, ServerShutdownEndsStreamsPromptly) {
  auto first = Watch(user_a_);
  auto second = Watch(user_b_);
  ExpectHeartbeat(first->Next(), 0);
  ExpectHeartbeat(second->Next(), 0);

  const absl::Time start = absl::Now();
  component_->Stop();
  cluster_->server(kNotification)->Shutdown(absl::Seconds(30));
  // Well inside the grace period: nothing waited for the streams to time
  // out.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  for (TestWatch* watch : {first.get(), second.get()}) {
    auto status = watch->WaitForEnd();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE)
        << status->error_message();
  }
  EXPECT_EQ(component_->watch_hub()->watcher_count(), 0);
}

TEST_F(WatchTest, NoNewStreamsAfterStop) {
  component_->Stop();
  auto late = Watch(user_a_);
  auto status = late->WaitForEnd();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(late->Next(absl::ZeroDuration()).has_value());
  // The rest of the service keeps answering until the server stops.
  EXPECT_THAT(UnreadCount(user_a_), IsOk());
}

TEST_F(WatchTest, SlowReaderGetsOneHeartbeatInsteadOfABacklog) {
  cluster_->options().notification.service.max_queued_events = 2;
  StartNotification({.heartbeat_interval = absl::Hours(1)});
  {
    // A small, fixed HTTP/2 window, so that the transport stops taking
    // data soon after the client stops reading.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
    stub_ =
        NotificationService::NewStub(cluster_->Channel(kNotification, args));
  }
  // A client that stops reading after the opening heartbeat.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + user_a_.token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto reader =
      stub_->WatchNotifications(&context, WatchNotificationsRequest());
  WatchNotificationsResponse event;
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_heartbeat());

  // ~4 MB of events: far more than the transport buffers for a reader
  // that does not read.
  constexpr int kCreated = 2000;
  notifications::v1::CreateNotificationRequest request;
  request.mutable_notification()->set_user_id(user_a_.id);
  request.mutable_notification()->set_subject("Bulk");
  request.mutable_notification()->set_message(std::string(2000, 'm'));
  for (int job = 1; job <= kCreated; ++job) {
    request.mutable_notification()->set_source_job_id(job);
    ASSERT_THAT(
        (Call<notifications::v1::CreateNotificationRequest,
              notifications::v1::Notification>(
            &NotificationService::Stub::CreateNotification, request, "", true)),
        IsOk());
  }
  int notifications = 0;
  int heartbeats = 0;
  while (reader->Read(&event)) {
    if (event.has_notification()) ++notifications;
    if (event.has_heartbeat()) ++heartbeats;
    if (event.unread_count() == kCreated) break;
  }
  EXPECT_EQ(event.unread_count(), kCreated);
  EXPECT_LT(notifications, kCreated);
  EXPECT_GE(heartbeats, 1);
  context.TryCancel();
  reader->Finish();
}

}  // namespace
}  // namespace helpdesk::notification
