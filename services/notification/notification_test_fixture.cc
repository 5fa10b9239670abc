#include "services/notification/notification_test_fixture.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::notification {

using ::helpdesk::notifications::v1::CreateNotificationRequest;
using ::helpdesk::notifications::v1::GetUnreadCountRequest;
using ::helpdesk::notifications::v1::GetUnreadCountResponse;
using ::helpdesk::notifications::v1::ListNotificationsRequest;
using ::helpdesk::notifications::v1::ListNotificationsResponse;
using ::helpdesk::notifications::v1::MarkNotificationReadRequest;
using ::helpdesk::notifications::v1::MarkNotificationUnreadRequest;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::notifications::v1::WatchNotificationsRequest;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

TestWatch::TestWatch(NotificationService::Stub* stub, const std::string& token,
                     absl::Duration deadline) {
  context_.AddMetadata("authorization", "Bearer " + token);
  if (deadline != absl::InfiniteDuration()) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }
  reader_ = stub->WatchNotifications(&context_, WatchNotificationsRequest());
  thread_ = std::thread([this] {
    WatchNotificationsResponse event;
    while (reader_->Read(&event)) {
      absl::MutexLock lock(&mu_);
      events_.push_back(event);
    }
    grpc::Status status = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = status;
  });
}

TestWatch::~TestWatch() {
  context_.TryCancel();
  thread_.join();
}

std::optional<WatchNotificationsResponse> TestWatch::Next(
    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !events_.empty() || status_.has_value();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (events_.empty()) return std::nullopt;
  WatchNotificationsResponse event = std::move(events_.front());
  events_.pop_front();
  return event;
}

std::optional<grpc::Status> TestWatch::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return status_.has_value();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ended), timeout);
  return status_;
}

void ExpectHeartbeat(const std::optional<WatchNotificationsResponse>& event,
                     int64_t unread_count) {
  ASSERT_TRUE(event.has_value()) << "no event";
  EXPECT_TRUE(event->has_heartbeat()) << event->DebugString();
  EXPECT_EQ(event->unread_count(), unread_count);
}

bool WaitForWatcherCount(WatchHub* hub, int count, absl::Duration timeout) {
  return helpdesk::testing::WaitFor(
      [&] { return hub->watcher_count() == count; }, timeout);
}

void NotificationTest::SetUp() {
  ClusterTest::SetUp();
  if (cluster_ == nullptr) return;
  StartNotification();
  user_a_ = Login("usera@example.com");
  user_b_ = Login("userb@example.com");
  admin_a_ = Login("admina@example.com");
}

void NotificationTest::StartNotification(WatchHubOptions watch) {
  StopNotification();
  cluster_->options().notification.watch = watch;
  absl::Status started = cluster_->StartService(kNotification);
  ASSERT_TRUE(started.ok()) << started;
  component_ = cluster_->notification();
  stub_ = NotificationService::NewStub(cluster_->Channel(kNotification));
}

void NotificationTest::StopNotification() {
  component_ = nullptr;
  absl::Status stopped = cluster_->StopService(kNotification);
  ASSERT_TRUE(stopped.ok()) << stopped;
}

absl::Status NotificationTest::Logout(const TestUser& user) {
  auto stub = auth::v1::AuthService::NewStub(channel());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + user.token);
  auth::v1::LogoutResponse response;
  return rpc::FromGrpcStatus(
      stub->Logout(&context, auth::v1::LogoutRequest(), &response));
}

absl::StatusOr<Notification> NotificationTest::Create(
    int64_t user_id, int64_t source_job_id, const std::string& subject) {
  CreateNotificationRequest request;
  Notification* notification = request.mutable_notification();
  notification->set_user_id(user_id);
  notification->set_ticket_id(42);
  notification->set_subject(subject);
  notification->set_message("Ticket #42 \"Printer on fire\" is yours now.");
  notification->set_source_job_id(source_job_id);
  return Call<CreateNotificationRequest, Notification>(
      &NotificationService::Stub::CreateNotification, request, "", true);
}

absl::StatusOr<int64_t> NotificationTest::UnreadCount(const TestUser& user) {
  auto response = Call<GetUnreadCountRequest, GetUnreadCountResponse>(
      &NotificationService::Stub::GetUnreadCount, GetUnreadCountRequest(),
      user.token);
  if (!response.ok()) return response.status();
  return response->count();
}

absl::StatusOr<ListNotificationsResponse> NotificationTest::List(
    const TestUser& user, bool unread_only, int page_size,
    const std::string& page_token) {
  ListNotificationsRequest request;
  request.set_unread_only(unread_only);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Call<ListNotificationsRequest, ListNotificationsResponse>(
      &NotificationService::Stub::ListNotifications, request, user.token);
}

absl::StatusOr<Notification> NotificationTest::MarkRead(const TestUser& user,
                                                        int64_t id) {
  MarkNotificationReadRequest request;
  request.set_id(id);
  return Call<MarkNotificationReadRequest, Notification>(
      &NotificationService::Stub::MarkNotificationRead, request, user.token);
}

absl::StatusOr<Notification> NotificationTest::MarkUnread(const TestUser& user,
                                                          int64_t id) {
  MarkNotificationUnreadRequest request;
  request.set_id(id);
  return Call<MarkNotificationUnreadRequest, Notification>(
      &NotificationService::Stub::MarkNotificationUnread, request, user.token);
}

}  // namespace helpdesk::notification
