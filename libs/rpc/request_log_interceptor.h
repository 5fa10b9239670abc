#ifndef HELPDESK_LIBS_RPC_REQUEST_LOG_INTERCEPTOR_H_
#define HELPDESK_LIBS_RPC_REQUEST_LOG_INTERCEPTOR_H_

#include <string>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/rpc/request_id.h"  // IWYU pragma: export

namespace helpdesk::rpc {

// Installs one structured log line per RPC (method, status code, duration,
// request id, peer) and the request id (request_id.h): the caller's if
// acceptable, else a new one, echoed in the initial metadata. Thread-safe;
// one interceptor per call.
class RequestLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

// The request id of the call `context` belongs to ("" when none was sent and
// the interceptor is not installed).
std::string RequestId(const grpc::ServerContextBase& context);

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_REQUEST_LOG_INTERCEPTOR_H_
