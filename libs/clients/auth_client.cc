#include "libs/clients/auth_client.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {

using ::helpdesk::auth::v1::AuthService;

AuthClient::AuthClient(PeerOptions peer)
    : peer_(std::move(peer)), stub_(AuthService::NewStub(peer_.channel)) {}

absl::StatusOr<auth::Principal> AuthClient::Resolve(absl::string_view token) {
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  ::helpdesk::auth::v1::AuthenticateRequest request;
  request.set_session_token(std::string(token));
  ::helpdesk::auth::v1::AuthenticateResponse response;
  absl::Status status =
      rpc::FromGrpcStatus(stub_->Authenticate(&context, request, &response));
  if (!status.ok()) return status;
  return auth::Principal{response.user_id(), response.role()};
}

absl::StatusOr<std::vector<::helpdesk::auth::v1::User>>
AuthClient::BatchGetUsers(absl::Span<const int64_t> ids) {
  grpc::ClientContext context;
  PrepareContext(peer_, &context);
  ::helpdesk::auth::v1::BatchGetUsersRequest request;
  for (int64_t id : ids) request.add_ids(id);
  ::helpdesk::auth::v1::BatchGetUsersResponse response;
  absl::Status status =
      rpc::FromGrpcStatus(stub_->BatchGetUsers(&context, request, &response));
  if (!status.ok()) return status;
  return std::vector<::helpdesk::auth::v1::User>(response.users().begin(),
                                                 response.users().end());
}

}  // namespace helpdesk::clients
