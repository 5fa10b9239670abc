#include "services/notification/watch_reactor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "libs/log/log.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_macros.h"

namespace helpdesk::notification {

using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

absl::StatusOr<grpc::ServerWriteReactor<WatchNotificationsResponse>*>
WatchReactor::Start(WatchHub* hub, int64_t user_id, std::string session_token,
                    size_t max_queued_events) {
  std::shared_ptr<WatchReactor> reactor(new WatchReactor(
      hub, user_id, std::move(session_token), max_queued_events));
  // Refused: gRPC never sees this reactor, and it goes with `reactor`.
  RETURN_IF_ERROR(hub->Add(reactor));
  // Accepted: the hub may already write to it (gRPC holds such operations
  // until the reactor is returned).
  reactor->self_ = reactor;
  return reactor.get();
}

WatchReactor::WatchReactor(WatchHub* hub, int64_t user_id,
                           std::string session_token, size_t max_queued_events)
    : hub_(hub),
      user_id_(user_id),
      session_token_(std::move(session_token)),
      queue_(max_queued_events) {}

void WatchReactor::LogOverflow(int64_t overflows_before) {
  // Once per stream: a stuck client would otherwise log on every event.
  if (overflows_before == 0 && queue_.overflows() > 0) {
    LogWarning("watch_queue_overflow",
               {{"user_id", absl::StrCat(user_id_)},
                {"effect", "queued events replaced by one heartbeat"}});
  }
}

bool WatchReactor::TakeNextWrite() {
  if (writing_ || end_status_.has_value()) return false;
  std::optional<WatchNotificationsResponse> next = queue_.Pop();
  if (!next.has_value()) return false;
  in_flight_ = *std::move(next);
  writing_ = true;
  return true;
}

void WatchReactor::Act(bool start_write, std::optional<grpc::Status> finish) {
  if (start_write) StartWrite(&in_flight_);
  if (finish.has_value()) Finish(*finish);
}

void WatchReactor::OnNotification(const Notification& notification,
                                  UnreadCount unread) {
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    if (end_status_.has_value()) return;
    const int64_t overflows = queue_.overflows();
    queue_.AddNotification(notification, unread);
    LogOverflow(overflows);
    start = TakeNextWrite();
  }
  Act(start, std::nullopt);
}

void WatchReactor::OnUnreadCount(UnreadCount unread) {
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    if (end_status_.has_value()) return;
    const int64_t overflows = queue_.overflows();
    queue_.AddCount(unread);
    LogOverflow(overflows);
    start = TakeNextWrite();
  }
  Act(start, std::nullopt);
}

void WatchReactor::End(const absl::Status& status) {
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    if (end_status_.has_value()) return;
    end_status_ = status;
    queue_.Clear();
    // With a write in flight, OnWriteDone finishes the call.
    if (!writing_) {
      finished_ = true;
      finish = rpc::ToGrpcStatus(status);
    }
  }
  Act(false, std::move(finish));
}

void WatchReactor::OnWriteDone(bool ok) {
  bool start = false;
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok && !end_status_.has_value()) {
      end_status_ = absl::CancelledError("the stream is broken");
      queue_.Clear();
    }
    if (end_status_.has_value()) {
      if (!finished_) {
        finished_ = true;
        finish = rpc::ToGrpcStatus(*end_status_);
      }
    } else {
      start = TakeNextWrite();
    }
  }
  Act(start, std::move(finish));
}

void WatchReactor::OnCancel() {
  End(absl::CancelledError("the call was cancelled"));
}

void WatchReactor::OnDone() {
  hub_->Remove(this);
  // The last line: this may free the reactor (unless a heartbeat round
  // still holds it; that round then finds it ended).
  std::shared_ptr<WatchReactor> self = std::move(self_);
}

}  // namespace helpdesk::notification
