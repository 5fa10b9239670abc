#ifndef HELPDESK_LIBS_STATUS_ERROR_DETAILS_H_
#define HELPDESK_LIBS_STATUS_ERROR_DETAILS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"

namespace helpdesk {

// Errors that carry google.rpc details. Domain code builds them as
// absl::Status (the detail rides along as a payload keyed by its type URL);
// libs/rpc turns the payloads into the `details` of the google.rpc.Status a
// gRPC client receives.

struct FieldViolation {
  std::string field;        // proto field path, e.g. "ticket.title"
  std::string description;  // what is wrong, for people
};

// INVALID_ARGUMENT with a google.rpc.BadRequest listing every violation.
absl::Status InvalidArgumentWithViolations(
    absl::string_view message, const std::vector<FieldViolation>& violations);

// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo telling when to retry.
absl::Status ResourceExhaustedRetryAfter(absl::string_view message,
                                         absl::Duration retry_after);

// The BadRequest detail of `status`, if it has one.
std::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status);

// The RetryInfo delay of `status`, if it has one.
std::optional<absl::Duration> GetRetryDelay(const absl::Status& status);

// Type URLs under which details are stored, as in google.protobuf.Any.
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kRetryInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.RetryInfo";

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_STATUS_ERROR_DETAILS_H_
