#include "services/jobs/admin_directory.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/rpc/status_conversion.h"
#include "services/jobs/peer_call.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::auth::v1::AuthService;
using ::helpdesk::auth::v1::ListUsersRequest;
using ::helpdesk::auth::v1::ListUsersResponse;
using ::helpdesk::auth::v1::User;

constexpr int kPageSize = 1000;
// A bound on the loop, should a page token never end: 100 000 admins.
constexpr int kMaxPages = 100;

}  // namespace

AdminDirectory::AdminDirectory(clients::PeerOptions peer)
    : peer_(std::move(peer)), stub_(AuthService::NewStub(peer_.channel)) {}

absl::StatusOr<std::vector<int64_t>> AdminDirectory::AdminIds(
    absl::Time deadline) {
  std::vector<int64_t> ids;
  ListUsersRequest request;
  request.set_role(User::ADMIN);
  request.set_page_size(kPageSize);
  for (int page = 0; page < kMaxPages; ++page) {
    grpc::ClientContext context;
    PrepareJobCall(peer_, deadline, &context);
    ListUsersResponse response;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->ListUsers(&context, request, &response));
    if (!status.ok()) return status;
    for (const User& user : response.users()) ids.push_back(user.id());
    if (response.next_page_token().empty()) return ids;
    request.set_page_token(response.next_page_token());
  }
  return absl::InternalError("AuthService.ListUsers did not finish paging");
}

}  // namespace helpdesk::jobs
