#include "services/notification/notification_service.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/auth/principal.h"
#include "libs/log/log.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "services/notification/notification_validation.h"
#include "services/notification/watch_reactor.h"

namespace helpdesk::notification {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::notifications::v1::CreateNotificationRequest;
using ::helpdesk::notifications::v1::GetUnreadCountRequest;
using ::helpdesk::notifications::v1::GetUnreadCountResponse;
using ::helpdesk::notifications::v1::ListNotificationsRequest;
using ::helpdesk::notifications::v1::ListNotificationsResponse;
using ::helpdesk::notifications::v1::MarkAllNotificationsReadRequest;
using ::helpdesk::notifications::v1::MarkAllNotificationsReadResponse;
using ::helpdesk::notifications::v1::MarkNotificationReadRequest;
using ::helpdesk::notifications::v1::MarkNotificationUnreadRequest;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::WatchNotificationsRequest;
using ::helpdesk::notifications::v1::WatchNotificationsResponse;

Notification ToProto(const NotificationRecord& record) {
  Notification notification;
  notification.set_id(record.id);
  notification.set_user_id(record.user_id);
  notification.set_ticket_id(record.ticket_id);
  notification.set_subject(record.subject);
  notification.set_message(record.message);
  notification.set_read(record.read_time.has_value());
  *notification.mutable_create_time() = ToTimestamp(record.create_time);
  if (record.read_time.has_value()) {
    *notification.mutable_read_time() = ToTimestamp(*record.read_time);
  }
  notification.set_source_job_id(record.source_job_id);
  return notification;
}

// The page token is bound to the caller and the filter: a token is only
// valid for the next page of the same user's same query.
std::string ListScope(int64_t user_id, bool unread_only) {
  return absl::StrCat("ListNotifications/user=", user_id,
                      "/unread_only=", unread_only ? 1 : 0);
}

// A WatchNotifications call refused before it started.
class RefusedWatch final
    : public grpc::ServerWriteReactor<WatchNotificationsResponse> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

NotificationServiceImpl::NotificationServiceImpl(
    NotificationStore* store, WatchHub* hub, const Clock* clock,
    NotificationServiceOptions options)
    : store_(store),
      hub_(hub),
      clock_(clock),
      options_(std::move(options)),
      page_tokens_(options_.page_token_key) {}

grpc::Status NotificationServiceImpl::ListNotifications(
    grpc::ServerContext* context, const ListNotificationsRequest* request,
    ListNotificationsResponse* response) {
  return rpc::Reply(context, DoList(*context, *request), response);
}

absl::StatusOr<ListNotificationsResponse> NotificationServiceImpl::DoList(
    grpc::ServerContext& context, const ListNotificationsRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal principal, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  const std::string scope = ListScope(principal.user_id, request.unread_only());
  int64_t before_id = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(scope, request.page_token(), 1));
    before_id = keys[0];
  }
  ASSIGN_OR_RETURN(
      NotificationPage page,
      store_->ListNotifications(principal.user_id, request.unread_only(),
                                before_id, page_size + 1));
  ListNotificationsResponse response;
  const bool more = static_cast<int>(page.notifications.size()) > page_size;
  if (more) page.notifications.pop_back();
  for (const NotificationRecord& record : page.notifications) {
    *response.add_notifications() = ToProto(record);
  }
  if (more) {
    response.set_next_page_token(
        page_tokens_.EncodeKeys(scope, {page.notifications.back().id}));
  }
  response.set_unread_count(page.unread.count);
  return response;
}

grpc::Status NotificationServiceImpl::GetUnreadCount(
    grpc::ServerContext* context, const GetUnreadCountRequest* /*request*/,
    GetUnreadCountResponse* response) {
  absl::StatusOr<auth::Principal> principal = auth::RequireSignedIn(*context);
  if (!principal.ok()) return rpc::ToGrpcStatus(principal.status(), context);
  absl::StatusOr<UnreadCount> unread =
      store_->GetUnreadCount(principal->user_id);
  if (!unread.ok()) return rpc::ToGrpcStatus(unread.status(), context);
  response->set_count(unread->count);
  return grpc::Status::OK;
}

grpc::Status NotificationServiceImpl::MarkNotificationRead(
    grpc::ServerContext* context, const MarkNotificationReadRequest* request,
    Notification* response) {
  return rpc::Reply(context, DoMark(*context, request->id(), true), response);
}

grpc::Status NotificationServiceImpl::MarkNotificationUnread(
    grpc::ServerContext* context, const MarkNotificationUnreadRequest* request,
    Notification* response) {
  return rpc::Reply(context, DoMark(*context, request->id(), false), response);
}

absl::StatusOr<Notification> NotificationServiceImpl::DoMark(
    grpc::ServerContext& context, int64_t id, bool read) {
  ASSIGN_OR_RETURN(auth::Principal principal, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(ReadStateResult result,
                   read ? store_->MarkRead(principal.user_id, id, clock_->Now())
                        : store_->MarkUnread(principal.user_id, id));
  if (result.changed) {
    hub_->PublishUnreadCount(principal.user_id, result.unread);
  }
  return ToProto(result.notification);
}

grpc::Status NotificationServiceImpl::MarkAllNotificationsRead(
    grpc::ServerContext* context,
    const MarkAllNotificationsReadRequest* /*request*/,
    MarkAllNotificationsReadResponse* response) {
  return rpc::Reply(context, DoMarkAll(*context), response);
}

absl::StatusOr<MarkAllNotificationsReadResponse>
NotificationServiceImpl::DoMarkAll(grpc::ServerContext& context) {
  ASSIGN_OR_RETURN(auth::Principal principal, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(MarkAllResult result,
                   store_->MarkAllRead(principal.user_id, clock_->Now()));
  if (result.updated > 0) {
    hub_->PublishUnreadCount(principal.user_id, result.unread);
  }
  MarkAllNotificationsReadResponse response;
  response.set_updated_count(result.updated);
  return response;
}

grpc::Status NotificationServiceImpl::CreateNotification(
    grpc::ServerContext* context, const CreateNotificationRequest* request,
    Notification* response) {
  return rpc::Reply(context, DoCreate(*context, *request), response);
}

void NotificationServiceImpl::PublishRemoteChange(int64_t user_id,
                                                  int64_t notification_id) {
  absl::StatusOr<RemoteChange> change =
      store_->LoadRemoteChange(user_id, notification_id);
  if (!change.ok()) {
    LogWarning("notification_remote_change_failed",
               {{"user_id", absl::StrCat(user_id)},
                {"detail", change.status().ToString()}});
    return;
  }
  if (change->notification) {
    hub_->PublishNotification(ToProto(*change->notification), change->unread);
  } else {
    hub_->PublishUnreadCount(user_id, change->unread);
  }
}

absl::StatusOr<Notification> NotificationServiceImpl::DoCreate(
    grpc::ServerContext& context, const CreateNotificationRequest& request) {
  RETURN_IF_ERROR(auth::RequireServiceCaller(context));
  ASSIGN_OR_RETURN(NotificationRecord record,
                   ValidateNewNotification(request.notification()));
  record.create_time = clock_->Now();
  ASSIGN_OR_RETURN(CreateResult result, store_->CreateNotification(record));
  Notification notification = ToProto(result.notification);
  if (result.created) hub_->PublishNotification(notification, result.unread);
  return notification;
}

grpc::ServerWriteReactor<WatchNotificationsResponse>*
NotificationServiceImpl::WatchNotifications(
    grpc::CallbackServerContext* context,
    const WatchNotificationsRequest* /*request*/) {
  absl::StatusOr<auth::Principal> principal = auth::RequireSignedIn(*context);
  std::optional<std::string> token = auth::BearerToken(*context);
  if (!principal.ok() || !token.has_value()) {
    return new RefusedWatch(rpc::ToGrpcStatus(
        principal.ok() ? absl::UnauthenticatedError("no session token")
                       : principal.status(),
        context));
  }
  absl::StatusOr<grpc::ServerWriteReactor<WatchNotificationsResponse>*>
      reactor = WatchReactor::Start(hub_, principal->user_id, *std::move(token),
                                    options_.max_queued_events);
  if (!reactor.ok()) {
    // With the context: a RetryInfo (the per-user cap) also goes out as a
    // retry-after trailer.
    return new RefusedWatch(rpc::ToGrpcStatus(reactor.status(), context));
  }
  return *reactor;
}

}  // namespace helpdesk::notification
