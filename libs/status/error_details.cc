#include "libs/status/error_details.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"

namespace helpdesk {

absl::Status InvalidArgumentWithViolations(
    absl::string_view message, const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& violation : violations) {
    auto* added = bad_request.add_field_violations();
    added->set_field(violation.field);
    added->set_description(violation.description);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_after) {
  google::rpc::RetryInfo retry_info;
  const int64_t seconds = absl::ToInt64Seconds(retry_after);
  retry_info.mutable_retry_delay()->set_seconds(seconds);
  retry_info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(retry_after - absl::Seconds(seconds))));
  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryInfoTypeUrl,
                    absl::Cord(retry_info.SerializeAsString()));
  return status;
}

std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  google::rpc::BadRequest bad_request;
  if (!payload || !bad_request.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return bad_request;
}

std::optional<absl::Duration> GetRetryDelay(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);
  google::rpc::RetryInfo retry_info;
  if (!payload || !retry_info.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return absl::Seconds(retry_info.retry_delay().seconds()) +
         absl::Nanoseconds(retry_info.retry_delay().nanos());
}

}  // namespace helpdesk
