#include "libs/auth/auth_interceptor.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/auth/principal.h"
#include "libs/auth/service_credential.h"
#include "libs/log/log.h"

namespace helpdesk::auth {
namespace {

using grpc::experimental::InterceptionHookPoints;

absl::string_view View(grpc::string_ref ref) {
  return absl::string_view(ref.data(), ref.size());
}

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(TokenResolver* resolver, const std::string* service_token)
      : resolver_(resolver), service_token_(service_token) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Annotate(methods->GetRecvInitialMetadata());
    }
    methods->Proceed();
  }

 private:
  void Annotate(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    metadata->erase(kPrincipalKey);
    metadata->erase(kCallerKey);
    metadata->erase(kAuthUnavailableKey);

    auto service = metadata->find(kServiceTokenKey);
    if (service != metadata->end() &&
        ConstantTimeEquals(View(service->second), *service_token_)) {
      // A credentialed call that forwards a client address is relayed from
      // the public edge (the gateway) on behalf of that client: trusted for
      // the address, never treated as a Helpdesk service itself.
      const bool relayed = metadata->find(kForwardedForKey) != metadata->end();
      metadata->emplace(kCallerKey, relayed ? kEdgeCaller : kServiceCaller);
    }

    auto authorization = metadata->find(kAuthorizationKey);
    if (authorization == metadata->end()) return;
    std::optional<absl::string_view> token =
        ParseBearerToken(View(authorization->second));
    if (!token) return;
    absl::StatusOr<Principal> principal = resolver_->Resolve(*token);
    if (!principal.ok()) {
      if (principal.status().code() != absl::StatusCode::kUnauthenticated) {
        LogWarning("token_resolution_failed",
                   {{"error", principal.status().ToString()}});
        metadata->emplace(kAuthUnavailableKey, "1");
      }
      return;
    }
    // Owned by this interceptor, which lives as long as the call.
    principal_value_ = absl::StrCat(principal->user_id, ":",
                                    static_cast<int>(principal->role));
    metadata->emplace(kPrincipalKey, principal_value_);
  }

  TokenResolver* const resolver_;
  const std::string* const service_token_;
  std::string principal_value_;
};

}  // namespace

AuthInterceptorFactory::AuthInterceptorFactory(TokenResolver* resolver,
                                               std::string service_token)
    : resolver_(resolver), service_token_(std::move(service_token)) {}

grpc::experimental::Interceptor*
AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* /*info*/) {
  return new AuthInterceptor(resolver_, &service_token_);
}

}  // namespace helpdesk::auth
