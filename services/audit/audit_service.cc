#include "services/audit/audit_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/auth/principal.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "libs/text/utf8.h"

namespace helpdesk::audit {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::auth::v1::User;

constexpr size_t kMaxKeyLength = 200;
constexpr size_t kMaxNameLength = 100;
constexpr size_t kMaxSnapshotBytes = 64 * 1024;

void CheckText(const std::string& value, const char* field, size_t max_length,
               std::vector<FieldViolation>* violations) {
  std::optional<size_t> length = text::CodePointCount(value);
  if (!length || text::HasControlCharacters(value, false)) {
    violations->push_back({field, "contains invalid characters"});
  } else if (*length == 0) {
    violations->push_back({field, "is required"});
  } else if (*length > max_length) {
    violations->push_back(
        {field, absl::StrCat("must be at most ", max_length, " characters")});
  }
}

std::string ScopeOf(const v1::ListAuditEventsRequest& request) {
  return absl::StrCat(
      "ListAuditEvents/actor=", request.actor_id(),
      "/action=", request.action().size(), ":", request.action(),
      "/type=", request.entity_type().size(), ":", request.entity_type(),
      "/entity=", request.entity_id(), "/start=",
      request.has_start_time()
          ? TimeUtil::TimestampToMicroseconds(request.start_time())
          : -1,
      "/end=",
      request.has_end_time()
          ? TimeUtil::TimestampToMicroseconds(request.end_time())
          : -1);
}

}  // namespace

v1::AuditEvent ToProto(const StoredEvent& event) {
  v1::AuditEvent proto;
  proto.set_id(event.id);
  proto.set_event_key(event.event_key);
  proto.set_actor_id(event.actor_id);
  proto.set_action(event.action);
  proto.set_entity_type(event.entity_type);
  proto.set_entity_id(event.entity_id);
  if (!event.before_snapshot.empty()) {
    proto.mutable_before()->ParseFromString(event.before_snapshot);
  }
  if (!event.after_snapshot.empty()) {
    proto.mutable_after()->ParseFromString(event.after_snapshot);
  }
  *proto.mutable_create_time() = ToTimestamp(event.create_time);
  return proto;
}

AuditServiceImpl::AuditServiceImpl(AuditStore* store, const Clock* clock,
                                   std::string page_token_key)
    : store_(store), clock_(clock), page_tokens_(std::move(page_token_key)) {}

grpc::Status AuditServiceImpl::RecordAuditEvent(
    grpc::ServerContext* context, const v1::RecordAuditEventRequest* request,
    v1::AuditEvent* response) {
  return rpc::Reply(context, DoRecord(*context, *request), response);
}

absl::StatusOr<v1::AuditEvent> AuditServiceImpl::DoRecord(
    const grpc::ServerContext& context,
    const v1::RecordAuditEventRequest& request) {
  RETURN_IF_ERROR(auth::RequireServiceCaller(context));
  std::vector<FieldViolation> violations;
  CheckText(request.event_key(), "event_key", kMaxKeyLength, &violations);
  CheckText(request.action(), "action", kMaxNameLength, &violations);
  CheckText(request.entity_type(), "entity_type", kMaxNameLength, &violations);
  NewEvent event;
  event.before_snapshot =
      request.has_before() ? request.before().SerializeAsString() : "";
  event.after_snapshot =
      request.has_after() ? request.after().SerializeAsString() : "";
  if (event.before_snapshot.size() > kMaxSnapshotBytes) {
    violations.push_back({"before", "must be at most 64 KiB"});
  }
  if (event.after_snapshot.size() > kMaxSnapshotBytes) {
    violations.push_back({"after", "must be at most 64 KiB"});
  }
  if (request.has_create_time() && !IsValidTimestamp(request.create_time())) {
    violations.push_back({"create_time", "is not a valid timestamp"});
  }
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("invalid audit event", violations);
  }
  const absl::Time now = clock_->Now();
  event.event_key = request.event_key();
  event.actor_id = request.actor_id();
  event.action = request.action();
  event.entity_type = request.entity_type();
  event.entity_id = request.entity_id();
  event.create_time =
      request.has_create_time() ? FromTimestamp(request.create_time()) : now;
  ASSIGN_OR_RETURN(StoredEvent stored, store_->Record(event, now));
  return ToProto(stored);
}

grpc::Status AuditServiceImpl::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return rpc::Reply(context, DoList(*context, *request), response);
}

absl::StatusOr<v1::ListAuditEventsResponse> AuditServiceImpl::DoList(
    const grpc::ServerContext& context,
    const v1::ListAuditEventsRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(context, User::ADMIN).status());
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  EventFilter filter;
  filter.actor_id = request.actor_id();
  filter.action = request.action();
  filter.entity_type = request.entity_type();
  filter.entity_id = request.entity_id();
  std::vector<FieldViolation> bad_times;
  if (request.has_start_time() && !IsValidTimestamp(request.start_time())) {
    bad_times.push_back({"start_time", "is not a valid timestamp"});
  }
  if (request.has_end_time() && !IsValidTimestamp(request.end_time())) {
    bad_times.push_back({"end_time", "is not a valid timestamp"});
  }
  if (!bad_times.empty()) {
    return InvalidArgumentWithViolations("invalid time range", bad_times);
  }
  if (request.has_start_time()) {
    filter.start_time = FromTimestamp(request.start_time());
  }
  if (request.has_end_time()) {
    filter.end_time = FromTimestamp(request.end_time());
  }
  if (filter.start_time && filter.end_time &&
      *filter.end_time <= *filter.start_time) {
    return InvalidArgumentWithViolations(
        "invalid time range", {{"end_time", "must be after start_time"}});
  }

  const std::string scope = ScopeOf(request);
  std::optional<EventCursor> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(scope, request.page_token(), 2));
    after = EventCursor{absl::FromUnixMicros(keys[0]), keys[1]};
  }

  ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                   store_->List(filter, after, page_size + 1));
  v1::ListAuditEventsResponse response;
  bool more = static_cast<int>(events.size()) > page_size;
  if (more) events.pop_back();
  // Bounded by bytes as well: snapshots written before they were bounded
  // can be large.
  paging::PageBudget budget;
  const StoredEvent* last = nullptr;
  for (const StoredEvent& event : events) {
    v1::AuditEvent proto = ToProto(event);
    if (!budget.Take(proto.ByteSizeLong())) {
      more = true;
      break;
    }
    *response.add_audit_events() = std::move(proto);
    last = &event;
  }
  if (more && last != nullptr) {
    response.set_next_page_token(page_tokens_.EncodeKeys(
        scope, {absl::ToUnixMicros(last->create_time), last->id}));
  }
  return response;
}

grpc::Status AuditServiceImpl::VerifyAuditChain(
    grpc::ServerContext* context,
    const v1::VerifyAuditChainRequest* /*request*/,
    v1::VerifyAuditChainResponse* response) {
  absl::Status allowed = auth::RequireRole(*context, User::ADMIN).status();
  if (!allowed.ok()) return rpc::ToGrpcStatus(allowed, context);
  absl::StatusOr<ChainReport> report = store_->VerifyChain();
  if (!report.ok()) return rpc::ToGrpcStatus(report.status(), context);
  response->set_ok(report->ok);
  response->set_checked_count(report->checked_count);
  response->set_first_broken_event_id(report->first_broken_event_id);
  response->set_problem(report->problem);
  return grpc::Status::OK;
}

}  // namespace helpdesk::audit
