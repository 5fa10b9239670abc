#include "gateway/error_mapping.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::gateway {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

// Details whose type this binary does not know cannot be printed as JSON.
void DropUnknownDetails(google::rpc::Status* status) {
  auto* details = status->mutable_details();
  for (int i = details->size() - 1; i >= 0; --i) {
    absl::string_view type_url = details->Get(i).type_url();
    const size_t slash = type_url.rfind('/');
    const std::string type(type_url.substr(slash + 1));
    if (google::protobuf::DescriptorPool::generated_pool()
            ->FindMessageTypeByName(type) == nullptr) {
      details->DeleteSubrange(i, 1);
    }
  }
}

std::string StatusJson(google::rpc::Status status) {
  DropUnknownDetails(&status);
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(status, &json, options)
           .ok()) {
    status.clear_details();
    json.clear();
    (void)google::protobuf::util::MessageToJsonString(status, &json, options);
  }
  return json;
}

std::optional<int64_t> RetryAfter(const google::rpc::Status& status) {
  const std::string retry_info_url = absl::StrCat(
      kTypeUrlPrefix, google::rpc::RetryInfo::descriptor()->full_name());
  for (const auto& any : status.details()) {
    google::rpc::RetryInfo info;
    if (any.type_url() == retry_info_url && any.UnpackTo(&info)) {
      const double seconds = static_cast<double>(info.retry_delay().seconds()) +
                             info.retry_delay().nanos() / 1e9;
      return static_cast<int64_t>(std::ceil(std::max(seconds, 0.0)));
    }
  }
  return std::nullopt;
}

}  // namespace

int HttpStatusFromCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNKNOWN:
      return 500;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::INTERNAL:
      return 500;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DATA_LOSS:
      return 500;
    default:
      return 500;
  }
}

namespace {

// `http_status`, when set, is the answer's status as given (the gateway's
// own refusals); else it is mapped from the code.
HttpError MakeError(const grpc::Status& status,
                    absl::string_view retry_after_trailer,
                    std::optional<int> http_status) {
  google::rpc::Status body;
  if (status.error_details().empty() ||
      !body.ParseFromString(status.error_details())) {
    body.Clear();
  }
  body.set_code(static_cast<int>(status.error_code()));
  body.set_message(status.error_message());
  HttpError error;
  error.http_status = HttpStatusFromCode(status.error_code());
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    error.retry_after_seconds = RetryAfter(body);
    int64_t seconds;
    if (!error.retry_after_seconds.has_value() &&
        absl::SimpleAtoi(retry_after_trailer, &seconds) && seconds >= 0) {
      error.retry_after_seconds = seconds;
    }
    if (!error.retry_after_seconds.has_value() && !http_status.has_value()) {
      // Not a rate limit (those say when to retry): gRPC's own limits, e.g.
      // "Received message larger than max". Retrying does not help, and
      // "too many attempts" would mislead: an internal error.
      error.http_status = 500;
      body.set_message(absl::StrCat(
          "a resource limit inside the service was exceeded (not a rate "
          "limit): ",
          status.error_message()));
    }
  }
  if (http_status.has_value()) error.http_status = *http_status;
  error.json_body = StatusJson(std::move(body));
  return error;
}

}  // namespace

HttpError ErrorFromGrpc(const grpc::Status& status,
                        absl::string_view retry_after_trailer) {
  return MakeError(status, retry_after_trailer, std::nullopt);
}

HttpError ErrorFromStatus(const absl::Status& status,
                          std::optional<int> http_status) {
  return MakeError(rpc::ToGrpcStatus(status), "", http_status);
}

}  // namespace helpdesk::gateway
