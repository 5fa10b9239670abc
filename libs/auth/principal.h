#ifndef HELPDESK_LIBS_AUTH_PRINCIPAL_H_
#define HELPDESK_LIBS_AUTH_PRINCIPAL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.pb.h"

namespace helpdesk::auth {

using Role = ::helpdesk::auth::v1::User::Role;

// Who is calling: the signed-in user behind the call's session token.
struct Principal {
  int64_t user_id = 0;
  Role role = ::helpdesk::auth::v1::User::ROLE_UNSPECIFIED;

  bool is_admin() const { return role == ::helpdesk::auth::v1::User::ADMIN; }
};

// Handlers read what AuthInterceptor established about the caller through
// these functions; they are the service-side (authoritative) checks.

// The signed-in caller; UNAUTHENTICATED without a valid session, or
// UNAVAILABLE when the session could not be checked (auth unreachable).
absl::StatusOr<Principal> RequireSignedIn(
    const grpc::ServerContextBase& context);

// The signed-in caller if it has `role`: UNAUTHENTICATED when nobody is
// signed in, PERMISSION_DENIED for another role.
absl::StatusOr<Principal> RequireRole(const grpc::ServerContextBase& context,
                                      Role role);

// OK when a Helpdesk service makes the call for itself (the service
// credential, no forwarded client), else PERMISSION_DENIED. Internal RPCs
// start with this; calls the gateway relays for a client never pass it.
absl::Status RequireServiceCaller(const grpc::ServerContextBase& context);

// The signed-in caller, if any (public RPCs that behave differently for a
// signed-in caller).
std::optional<Principal> OptionalPrincipal(
    const grpc::ServerContextBase& context);

bool IsServiceCaller(const grpc::ServerContextBase& context);

// The client address for rate limits: the forwarded client address when a
// holder of the service credential (the gateway) sent `x-forwarded-for`,
// otherwise the peer's IP address without its port.
std::string ClientAddress(const grpc::ServerContextBase& context);

// The token in an `authorization` header value "Bearer <token>" (scheme
// case-insensitive), or nullopt.
std::optional<absl::string_view> ParseBearerToken(absl::string_view header);

// The raw bearer token of the call, if it sent `authorization: Bearer ...`.
std::optional<std::string> BearerToken(const grpc::ServerContextBase& context);

// Metadata keys. Clients send the first two; the interceptor writes the
// last two (after removing any a client sent) for the functions above.
inline constexpr char kAuthorizationKey[] = "authorization";
inline constexpr char kServiceTokenKey[] = "x-helpdesk-service-token";
inline constexpr char kForwardedForKey[] = "x-forwarded-for";
inline constexpr char kPrincipalKey[] = "x-helpdesk-internal-principal";
inline constexpr char kCallerKey[] = "x-helpdesk-internal-caller";
// Set when the caller's token could not be checked (auth unreachable), so
// handlers answer UNAVAILABLE instead of UNAUTHENTICATED.
inline constexpr char kAuthUnavailableKey[] =
    "x-helpdesk-internal-auth-unavailable";
// kCallerKey values: a Helpdesk service calling for itself, or the gateway
// relaying a client's call (it holds the credential and forwards the
// client's address).
inline constexpr char kServiceCaller[] = "service";
inline constexpr char kEdgeCaller[] = "edge";

}  // namespace helpdesk::auth

#endif  // HELPDESK_LIBS_AUTH_PRINCIPAL_H_
