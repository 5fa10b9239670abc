#ifndef HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_TEST_FIXTURE_H_
#define HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_TEST_FIXTURE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/rpc/status_conversion.h"
#include "libs/testing/cluster.h"
#include "services/notification/notification_component.h"
#include "services/notification/watch_hub.h"

namespace helpdesk::notification {

inline constexpr const char* kTestServiceToken =
    ::helpdesk::testing::kClusterServiceToken;

using TestUser = ::helpdesk::testing::TestUser;

// One WatchNotifications call from a test: a thread reads the stream into a
// queue so that the test waits for events with a bound, never forever.
class TestWatch final {
 public:
  // A `deadline` after which the call ends, measured from now.
  TestWatch(notifications::v1::NotificationService::Stub* stub,
            const std::string& token,
            absl::Duration deadline = absl::InfiniteDuration());
  ~TestWatch();  // cancels and joins

  // The next event, or nullopt if none arrives within `timeout`.
  std::optional<notifications::v1::WatchNotificationsResponse> Next(
      absl::Duration timeout = absl::Seconds(10));
  // The status the stream ended with, or nullopt if it is still open after
  // `timeout`.
  std::optional<grpc::Status> WaitForEnd(
      absl::Duration timeout = absl::Seconds(10));
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReader<notifications::v1::WatchNotificationsResponse>>
      reader_;
  absl::Mutex mu_;
  std::deque<notifications::v1::WatchNotificationsResponse> events_
      ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Expects `event` to be a heartbeat carrying `unread_count`.
void ExpectHeartbeat(
    const std::optional<notifications::v1::WatchNotificationsResponse>& event,
    int64_t unread_count);

// Waits (bounded) until `hub` holds `count` watchers.
bool WaitForWatcherCount(WatchHub* hub, int count,
                         absl::Duration timeout = absl::Seconds(10));

// A testing::Cluster of the real auth service (demo accounts, cheap
// Argon2id) and the notification service resolving tokens through it, the
// latter on a server of its own that tests restart with other options.
class NotificationTest : public ::helpdesk::testing::ClusterTest {
 protected:
  NotificationTest() : ClusterTest({kAuth, kNotification}) {
    cluster_options_.own_server = {kNotification};
  }
  void SetUp() override;

  // (Re)starts the notification service (auth stays up).
  // The default options leave heartbeats and session rounds to the tests.
  void StartNotification(WatchHubOptions watch = {
                             .heartbeat_interval = absl::Hours(1),
                             .session_check_interval = absl::Hours(1)});
  void StopNotification();

  // Calls `method` of NotificationService with an optional bearer token and
  // the service credential when `as_service`.
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request,
                                const std::string& token,
                                bool as_service = false) {
    grpc::ClientContext context;
    if (!token.empty()) {
      context.AddMetadata("authorization", "Bearer " + token);
    }
    if (as_service) {
      context.AddMetadata("x-helpdesk-service-token", kTestServiceToken);
    }
    Response response;
    absl::Status status = rpc::FromGrpcStatus(
        (stub_.get()->*method)(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // CreateNotification as a job handler would call it.
  absl::StatusOr<notifications::v1::Notification> Create(
      int64_t user_id, int64_t source_job_id,
      const std::string& subject = "Ticket assigned to you");

  absl::StatusOr<int64_t> UnreadCount(const TestUser& user);
  absl::StatusOr<notifications::v1::ListNotificationsResponse> List(
      const TestUser& user, bool unread_only = false, int page_size = 0,
      const std::string& page_token = "");
  absl::StatusOr<notifications::v1::Notification> MarkRead(const TestUser& user,
                                                           int64_t id);
  absl::StatusOr<notifications::v1::Notification> MarkUnread(
      const TestUser& user, int64_t id);
  absl::Status Logout(const TestUser& user);

  std::unique_ptr<TestWatch> Watch(
      const TestUser& user,
      absl::Duration deadline = absl::InfiniteDuration()) {
    return std::make_unique<TestWatch>(stub_.get(), user.token, deadline);
  }

  // Set by StartNotification().
  NotificationComponent* component_ = nullptr;
  std::unique_ptr<notifications::v1::NotificationService::Stub> stub_;
  TestUser user_a_;
  TestUser user_b_;
  TestUser admin_a_;
};

}  // namespace helpdesk::notification

#endif  // HELPDESK_SERVICES_NOTIFICATION_NOTIFICATION_TEST_FIXTURE_H_
