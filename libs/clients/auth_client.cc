#include "libs/clients/auth_client.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/rpc/status_conversion.h"

namespace helpdesk::clients {
namespace {

using ::helpdesk::auth::v1::AuthService;
using ::helpdesk::auth::v1::User;

// ListUsers pages of AdminIds, and a bound on them, should a page token
// never end: 100 000 admins.
constexpr int kAdminPageSize = 1000;
constexpr int kMaxAdminPages = 100;

}  // namespace

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

absl::StatusOr<std::vector<int64_t>> AuthClient::AdminIds(absl::Time deadline) {
  std::vector<int64_t> ids;
  ::helpdesk::auth::v1::ListUsersRequest request;
  request.set_role(User::ADMIN);
  request.set_page_size(kAdminPageSize);
  for (int page = 0; page < kMaxAdminPages; ++page) {
    grpc::ClientContext context;
    PrepareContext(peer_, &context, deadline);
    ::helpdesk::auth::v1::ListUsersResponse response;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->ListUsers(&context, request, &response));
    if (!status.ok()) return status;
    for (const User& user : response.users()) ids.push_back(user.id());
    if (response.next_page_token().empty()) return ids;
    request.set_page_token(response.next_page_token());
  }
  return absl::InternalError("AuthService.ListUsers did not finish paging");
}

}  // namespace helpdesk::clients
