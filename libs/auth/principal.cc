#include "libs/auth/principal.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::auth {
namespace {

std::optional<absl::string_view> Metadata(
    const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

std::optional<Principal> OptionalPrincipal(
    const grpc::ServerContextBase& context) {
  std::optional<absl::string_view> value = Metadata(context, kPrincipalKey);
  if (!value) return std::nullopt;
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(*value, absl::MaxSplits(':', 1));
  Principal principal;
  int role = 0;
  if (!absl::SimpleAtoi(parts.first, &principal.user_id) ||
      !absl::SimpleAtoi(parts.second, &role) ||
      !::helpdesk::auth::v1::User::Role_IsValid(role)) {
    return std::nullopt;
  }
  principal.role = static_cast<Role>(role);
  return principal;
}

absl::StatusOr<Principal> RequireSignedIn(
    const grpc::ServerContextBase& context) {
  std::optional<Principal> principal = OptionalPrincipal(context);
  if (!principal && Metadata(context, kAuthUnavailableKey).has_value()) {
    return absl::UnavailableError(
        "the session cannot be checked right now; try again shortly");
  }
  if (!principal) {
    return absl::UnauthenticatedError(
        "sign in first: send a valid session token as 'authorization: "
        "Bearer <token>'");
  }
  return *principal;
}

absl::StatusOr<Principal> RequireRole(const grpc::ServerContextBase& context,
                                      Role role) {
  absl::StatusOr<Principal> principal = RequireSignedIn(context);
  if (!principal.ok()) return principal.status();
  if (principal->role != role) {
    return absl::PermissionDeniedError(
        absl::StrCat("this action requires the ",
                     ::helpdesk::auth::v1::User::Role_Name(role), " role"));
  }
  return principal;
}

bool IsServiceCaller(const grpc::ServerContextBase& context) {
  std::optional<absl::string_view> value = Metadata(context, kCallerKey);
  return value.has_value() && *value == kServiceCaller;
}

absl::Status RequireServiceCaller(const grpc::ServerContextBase& context) {
  if (!IsServiceCaller(context)) {
    return absl::PermissionDeniedError(
        "this method is internal to Helpdesk services");
  }
  return absl::OkStatus();
}

std::string ClientAddress(const grpc::ServerContextBase& context) {
  std::optional<absl::string_view> caller = Metadata(context, kCallerKey);
  if (caller.has_value() &&
      (*caller == kServiceCaller || *caller == kEdgeCaller)) {
    if (std::optional<absl::string_view> forwarded =
            Metadata(context, kForwardedForKey)) {
      // The gateway already picked the client out of the chain; take the
      // first entry defensively.
      absl::string_view first = absl::StripAsciiWhitespace(*forwarded)
                                    .substr(0, forwarded->find(','));
      first = absl::StripAsciiWhitespace(first);
      if (!first.empty()) return std::string(first);
    }
  }
  // gRPC peers look like "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000".
  const std::string peer_text = context.peer();
  absl::string_view peer = peer_text;
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    return std::string(peer.substr(0, peer.rfind(':')));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    peer = peer.substr(0, peer.rfind(':'));
    absl::ConsumePrefix(&peer, "[");
    absl::ConsumeSuffix(&peer, "]");
    return std::string(peer);
  }
  return std::string(peer);
}

std::optional<absl::string_view> ParseBearerToken(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  if (header.size() < 7 ||
      !absl::EqualsIgnoreCase(header.substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  absl::string_view token = absl::StripAsciiWhitespace(header.substr(7));
  if (token.empty()) return std::nullopt;
  return token;
}

std::optional<std::string> BearerToken(const grpc::ServerContextBase& context) {
  std::optional<absl::string_view> value = Metadata(context, kAuthorizationKey);
  if (!value) return std::nullopt;
  std::optional<absl::string_view> token = ParseBearerToken(*value);
  if (!token) return std::nullopt;
  return std::string(*token);
}

}  // namespace helpdesk::auth
