#ifndef HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/call_context.h"

namespace helpdesk::clients {

// The one way other services call AuthService: internal RPCs with the
// service credential and a deadline on every call. Thread-safe.
class AuthClient final : public auth::TokenResolver {
 public:
  explicit AuthClient(PeerOptions peer);

  // AuthService.Authenticate; UNAUTHENTICATED for a bad token.
  absl::StatusOr<auth::Principal> Resolve(absl::string_view token) override;

  // AuthService.BatchGetUsers: the users among `ids` (one call).
  absl::StatusOr<std::vector<::helpdesk::auth::v1::User>> BatchGetUsers(
      absl::Span<const int64_t> ids);

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::auth::v1::AuthService::Stub> stub_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_
