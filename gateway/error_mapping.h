#ifndef HELPDESK_GATEWAY_ERROR_MAPPING_H_
#define HELPDESK_GATEWAY_ERROR_MAPPING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::gateway {

// An error as the gateway answers it: the HTTP status, the google.rpc.Status
// JSON body {"code", "message", "details"}, and for RESOURCE_EXHAUSTED the
// seconds to send as Retry-After.
struct HttpError {
  int http_status = 500;
  std::string json_body;
  std::optional<int64_t> retry_after_seconds;
};

// The HTTP status for a gRPC code, as grpc-gateway maps them:
// OK 200, CANCELLED 499, UNKNOWN 500, INVALID_ARGUMENT 400,
// DEADLINE_EXCEEDED 504, NOT_FOUND 404, ALREADY_EXISTS 409,
// PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429 (but see ErrorFromGrpc),
// FAILED_PRECONDITION 400,
// ABORTED 409, OUT_OF_RANGE 400, UNIMPLEMENTED 501, INTERNAL 500,
// UNAVAILABLE 503, DATA_LOSS 500, UNAUTHENTICATED 401.
int HttpStatusFromCode(grpc::StatusCode code);

// A backend's error. The details come from the status's binary
// google.rpc.Status; Retry-After from its RetryInfo detail, else from the
// `retry-after` trailer (`retry_after_trailer`, "" when absent).
// RESOURCE_EXHAUSTED is a rate limit (429) only with one of those two;
// without, it is one of gRPC's own limits (a message larger than the
// maximum, ...) and answers 500, its message saying so.
HttpError ErrorFromGrpc(const grpc::Status& status,
                        absl::string_view retry_after_trailer = "");

// An error the gateway raises itself (payloads such as google.rpc.BadRequest
// become details). `http_status` overrides the mapped status when set, for
// statuses no gRPC code maps to (405, 413, 431).
HttpError ErrorFromStatus(const absl::Status& status,
                          std::optional<int> http_status = std::nullopt);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_ERROR_MAPPING_H_
