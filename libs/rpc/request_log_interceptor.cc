#include "libs/rpc/request_log_interceptor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/log/log.h"
#include "libs/rpc/request_id.h"

namespace helpdesk::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RequestLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RequestLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find(kRequestIdKey);
      request_id_ = RequestIdOrNew(
          it == metadata->end()
              ? absl::string_view()
              : absl::string_view(it->second.data(), it->second.size()));
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey,
                                                 EnsureRequestId());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const std::string peer = info_->server_context() != nullptr
                                   ? info_->server_context()->peer()
                                   : "";
      Log(status.error_code() == grpc::StatusCode::INTERNAL ||
                  status.error_code() == grpc::StatusCode::UNKNOWN
              ? LogLevel::kWarning
              : LogLevel::kInfo,
          "rpc",
          {{"method", info_->method()},
           {"code", CodeName(status.error_code())},
           {"ms", absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(
                                              absl::Now() - start_))},
           {"rid", EnsureRequestId()},
           {"peer", peer}});
    }
    methods->Proceed();
  }

 private:
  static const char* CodeName(grpc::StatusCode code) {
    static constexpr const char* kNames[] = {"OK",
                                             "CANCELLED",
                                             "UNKNOWN",
                                             "INVALID_ARGUMENT",
                                             "DEADLINE_EXCEEDED",
                                             "NOT_FOUND",
                                             "ALREADY_EXISTS",
                                             "PERMISSION_DENIED",
                                             "RESOURCE_EXHAUSTED",
                                             "FAILED_PRECONDITION",
                                             "ABORTED",
                                             "OUT_OF_RANGE",
                                             "UNIMPLEMENTED",
                                             "INTERNAL",
                                             "UNAVAILABLE",
                                             "DATA_LOSS",
                                             "UNAUTHENTICATED"};
    const int index = static_cast<int>(code);
    return index >= 0 && index < 17 ? kNames[index] : "UNKNOWN";
  }

  const std::string& EnsureRequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor*
RequestLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RequestLogInterceptor(info);
}

std::string RequestId(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kRequestIdKey);
  if (it == metadata.end()) return "";
  const absl::string_view id(it->second.data(), it->second.size());
  return IsAcceptableRequestId(id) ? std::string(id) : "";
}

}  // namespace helpdesk::rpc
