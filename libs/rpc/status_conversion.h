#ifndef HELPDESK_LIBS_RPC_STATUS_CONVERSION_H_
#define HELPDESK_LIBS_RPC_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::rpc {

// The one place where absl::Status becomes grpc::Status at the RPC edge.
//
// The code and message carry over; payloads (google.rpc.BadRequest,
// RetryInfo, ...) become the `details` of a google.rpc.Status sent as the
// binary error details, which grpcurl and the gateway show. INTERNAL and
// UNKNOWN messages are replaced by a generic text (the original is logged),
// so storage or stack text never reaches a caller. With a `context`, a
// RetryInfo detail also sets a `retry-after` trailer in whole seconds.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context = nullptr);

// Ends a unary handler: on success moves the value into `response`; either
// way returns the status for the caller (see ToGrpcStatus).
template <typename T>
grpc::Status Reply(grpc::ServerContextBase* context, absl::StatusOr<T> result,
                   T* response) {
  if (result.ok()) *response = *std::move(result);
  return ToGrpcStatus(result.status(), context);
}

// The inverse, for clients: code, message and every detail as a payload.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_STATUS_CONVERSION_H_
