#include "libs/rpc/status_conversion.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/log/log.h"
#include "libs/status/error_details.h"

namespace helpdesk::rpc {
namespace {

constexpr char kInternalMessage[] = "internal error";

bool HidesMessage(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (HidesMessage(status.code())) {
    LogError("internal_error", {{"detail", status.ToString()}});
    message = kInternalMessage;
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  status.ForEachPayload(
      [&details](absl::string_view type_url, const absl::Cord& value) {
        auto* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(value));
      });
  if (context != nullptr) {
    if (std::optional<absl::Duration> delay = GetRetryDelay(status)) {
      const double seconds = std::ceil(absl::ToDoubleSeconds(*delay));
      context->AddTrailingMetadata("retry-after",
                                   absl::StrCat(static_cast<int64_t>(seconds)));
    }
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace helpdesk::rpc
