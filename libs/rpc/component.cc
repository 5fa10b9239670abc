#include "libs/rpc/component.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/auth_interceptor.h"

namespace helpdesk::rpc {

Peers Peers::Unreachable() {
  return AllTo(grpc::CreateChannel(NewLocalAddress("unreachable"),
                                   grpc::InsecureChannelCredentials()));
}

std::vector<grpc::Service*> ServicesOf(
    absl::Span<Component* const> components) {
  std::vector<grpc::Service*> services;
  for (Component* component : components) {
    for (grpc::Service* service : component->services()) {
      services.push_back(service);
    }
  }
  return services;
}

absl::Status StartAll(absl::Span<Component* const> components) {
  for (size_t i = 0; i < components.size(); ++i) {
    absl::Status status = components[i]->Start();
    if (!status.ok()) {
      StopAll(components.subspan(0, i + 1));
      return status;
    }
  }
  return absl::OkStatus();
}

void StopAll(absl::Span<Component* const> components) {
  for (size_t i = components.size(); i > 0; --i) components[i - 1]->Stop();
}

absl::StatusOr<std::unique_ptr<RpcServer>> StartComponentServer(
    ServerOptions options, absl::Span<Component* const> components,
    auth::TokenResolver* resolver, const std::string& service_token) {
  options.interceptors.push_back(
      std::make_unique<auth::AuthInterceptorFactory>(resolver, service_token));
  return RpcServer::Start(std::move(options), ServicesOf(components));
}

}  // namespace helpdesk::rpc
