#include "services/notification/watch_reactor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "libs/log/log.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::notification {

using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

namespace {

WatchNotificationsResponse Heartbeat() {
  WatchNotificationsResponse event;
  event.mutable_heartbeat();
  return event;
}

}  // namespace

grpc::ServerWriteReactor<WatchNotificationsResponse>* WatchReactor::Start(
    WatchHub* hub, int64_t user_id, std::string session_token,
    size_t max_queued_events) {
  std::shared_ptr<WatchReactor> reactor(new WatchReactor(
      hub, user_id, std::move(session_token), max_queued_events));
  reactor->self_ = reactor;
  WatchReactor* raw = reactor.get();
  hub->Add(std::move(reactor));
  return raw;
}

WatchReactor::WatchReactor(WatchHub* hub, int64_t user_id,
                           std::string session_token, size_t max_queued_events)
    : hub_(hub),
      user_id_(user_id),
      session_token_(std::move(session_token)),
      max_queued_events_(max_queued_events < 1 ? 1 : max_queued_events) {}

void WatchReactor::UpdateCount(UnreadCount unread) {
  if (unread.version >= unread_.version) unread_ = unread;
}

void WatchReactor::Enqueue(WatchNotificationsResponse event) {
  // A heartbeat behind another one says nothing new: counts are filled in
  // when an event is written.
  if (event.has_heartbeat() && !queue_.empty() &&
      queue_.back().has_heartbeat()) {
    return;
  }
  if (queue_.size() >= max_queued_events_) {
    queue_.clear();
    queue_.push_back(Heartbeat());
    if (overflows_++ == 0) {
      LogWarning("watch_queue_overflow",
                 {{"user_id", absl::StrCat(user_id_)},
                  {"effect", "queued events replaced by one heartbeat"}});
    }
    return;
  }
  queue_.push_back(std::move(event));
}

bool WatchReactor::TakeNextWrite() {
  if (writing_ || !opened_ || end_status_.has_value() || queue_.empty()) {
    return false;
  }
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  in_flight_.set_unread_count(unread_.count);
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
    UpdateCount(unread);
    WatchNotificationsResponse event;
    *event.mutable_notification() = notification;
    Enqueue(std::move(event));
    start = TakeNextWrite();
  }
  Act(start, std::nullopt);
}

void WatchReactor::OnUnreadCount(UnreadCount unread) {
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    if (end_status_.has_value()) return;
    UpdateCount(unread);
    if (!opened_) {
      // The stream opens with the count, ahead of anything queued before.
      opened_ = true;
      queue_.push_front(Heartbeat());
    } else {
      Enqueue(Heartbeat());
    }
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
    queue_.clear();
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
      queue_.clear();
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
