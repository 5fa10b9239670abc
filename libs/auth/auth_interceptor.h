#ifndef HELPDESK_LIBS_AUTH_AUTH_INTERCEPTOR_H_
#define HELPDESK_LIBS_AUTH_AUTH_INTERCEPTOR_H_

#include <string>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/auth/token_resolver.h"

namespace helpdesk::auth {

// Establishes who is calling, for every RPC of a server, before its handler
// runs:
//   - `authorization: Bearer <token>` is resolved through `resolver`
//     (normally a CachingTokenResolver over AuthService.Authenticate) into a
//     principal {user_id, role};
//   - `x-helpdesk-service-token` equal to `service_token` marks the call as
//     coming from a Helpdesk service.
// The result is attached to the call and read with RequireSignedIn,
// RequireRole, RequireServiceCaller and ClientAddress (principal.h); values a
// client sent under the internal keys are discarded first. The interceptor
// never rejects a call itself: each handler decides what it requires, so
// public RPCs keep working without a token.
//
// `resolver` must outlive the server. Thread-safe.
class AuthInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuthInterceptorFactory(TokenResolver* resolver, std::string service_token);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  TokenResolver* const resolver_;
  const std::string service_token_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_LIBS_AUTH_AUTH_INTERCEPTOR_H_
