#include "services/helpdeskd/helpdeskd.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/rpc/server.h"
#include "libs/status/status_macros.h"

namespace helpdesk {

Helpdeskd::Helpdeskd(HelpdeskdOptions options) : options_(std::move(options)) {}

Helpdeskd::~Helpdeskd() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<Helpdeskd>> Helpdeskd::Start(
    const HelpdeskdOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", options.data_dir, ": ",
                     error.message()));
  }
  std::unique_ptr<Helpdeskd> daemon(new Helpdeskd(options));

  rpc::ServerOptions server_options;
  server_options.bind_address = options.bind_address;
  server_options.port = options.grpc_port;
  ASSIGN_OR_RETURN(daemon->grpc_server_,
                   rpc::RpcServer::Start(std::move(server_options), {}));
  return daemon;
}

void Helpdeskd::Shutdown(absl::Duration grace) {
  if (grpc_server_ != nullptr) grpc_server_->Shutdown(grace);
}

}  // namespace helpdesk
