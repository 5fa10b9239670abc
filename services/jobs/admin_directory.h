#ifndef HELPDESK_SERVICES_JOBS_ADMIN_DIRECTORY_H_
#define HELPDESK_SERVICES_JOBS_ADMIN_DIRECTORY_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/clients/call_context.h"

namespace helpdesk::jobs {

// Who the admins are, from AuthService.ListUsers (role ADMIN) called with
// the service credential and a deadline on every call. Stands in for a
// ListUsers method on libs/clients' AuthClient, which has none yet.
// Thread-safe.
class AdminDirectory final {
 public:
  explicit AdminDirectory(clients::PeerOptions peer);

  // The ids of every admin, ascending (all pages), by `deadline` (real
  // time).
  absl::StatusOr<std::vector<int64_t>> AdminIds(absl::Time deadline);

 private:
  clients::PeerOptions peer_;
  std::unique_ptr<::helpdesk::auth::v1::AuthService::Stub> stub_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_ADMIN_DIRECTORY_H_
