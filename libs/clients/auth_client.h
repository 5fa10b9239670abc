#ifndef HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"

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

  // AuthService.ListUsers (role ADMIN): the ids of every admin, ascending
  // (all pages), each call ending by `deadline` (real time) at the latest.
  absl::StatusOr<std::vector<int64_t>> AdminIds(absl::Time deadline);

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::auth::v1::AuthService::Stub> stub_;
};

// The token resolver of a service in its own process: AuthService.
// Authenticate through AuthClient, behind a CachingTokenResolver (2 s by
// default, so a logout takes effect everywhere within that bound).
class RemoteTokenResolver final : public auth::TokenResolver {
 public:
  RemoteTokenResolver(PeerOptions peer, const Clock* clock,
                      auth::CachingTokenResolver::Options options = {})
      : client_(std::move(peer)), cache_(&client_, clock, options) {}

  absl::StatusOr<auth::Principal> Resolve(absl::string_view token) override {
    return cache_.Resolve(token);
  }

 private:
  AuthClient client_;
  auth::CachingTokenResolver cache_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_AUTH_CLIENT_H_
