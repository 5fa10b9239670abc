#ifndef HELPDESK_SERVICES_AUTH_AUTH_SERVICE_H_
#define HELPDESK_SERVICES_AUTH_AUTH_SERVICE_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/token_resolver.h"
#include "libs/clock/clock.h"
#include "libs/outbox/relay.h"
#include "libs/paging/page_token.h"
#include "libs/ratelimit/rate_limiter.h"
#include "services/auth/auth_store.h"
#include "services/auth/password_attempts.h"
#include "services/auth/password_hasher.h"

namespace helpdesk::auth {

struct AuthServiceOptions {
  PasswordHasher::Params argon2;
  SessionPolicy sessions;
  ratelimit::RateLimit login_per_ip{10, absl::Minutes(10)};
  // Failed sign-ins per account. Once spent, only addresses without a
  // failure for that account in the last login_address_memory may try it
  // (PasswordAttemptLimiter), up to login_per_email_ceiling failures from
  // all addresses together.
  ratelimit::RateLimit login_per_email{5, absl::Minutes(10)};
  absl::Duration login_address_memory = absl::Minutes(10);
  ratelimit::RateLimit login_per_email_ceiling{20, absl::Minutes(10)};
  ratelimit::RateLimit register_per_ip{5, absl::Hours(1)};
  bool rate_limits = true;
  // How long token_resolver() trusts a resolved token. Logout and login
  // through this service end the cached entry at once; other processes'
  // caches (split mode) keep it up to their own ttl.
  absl::Duration token_cache_ttl = absl::Seconds(2);
  // Key for page tokens (derived from the service credential in main).
  std::string page_token_key;
};

// helpdesk.auth.v1.AuthService: accounts, Argon2id passwords, sessions,
// rate limits, and the audit events of sign-ups, logins and logouts (through
// the store's outbox; the attached relay is nudged after each). Handlers are
// synchronous: every call is a short SQLite transaction or an Argon2 hash.
//
// `relay` (may be null: events then wait in the outbox) is woken after each
// change that enqueued an audit event. The store, clock and relay must
// outlive the service.
// Thread-safe.
class AuthServiceImpl final
    : public ::helpdesk::auth::v1::AuthService::Service {
 public:
  AuthServiceImpl(AuthStore* store, const Clock* clock,
                  AuthServiceOptions options, outbox::OutboxRelay* relay);

  grpc::Status Register(grpc::ServerContext* context,
                        const v1::RegisterRequest* request,
                        v1::User* response) override;
  grpc::Status Login(grpc::ServerContext* context,
                     const v1::LoginRequest* request,
                     v1::LoginResponse* response) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const v1::LogoutRequest* request,
                      v1::LogoutResponse* response) override;
  grpc::Status GetCurrentUser(grpc::ServerContext* context,
                              const v1::GetCurrentUserRequest* request,
                              v1::User* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status BatchGetUsers(grpc::ServerContext* context,
                             const v1::BatchGetUsersRequest* request,
                             v1::BatchGetUsersResponse* response) override;
  grpc::Status Authenticate(grpc::ServerContext* context,
                            const v1::AuthenticateRequest* request,
                            v1::AuthenticateResponse* response) override;

  // Creates the demo accounts of README.md once (password demo123).
  absl::Status SeedDemoAccounts();

  // Deletes expired sessions (run periodically by the owner).
  absl::StatusOr<int> PurgeExpiredSessions();

  // Resolves tokens straight from the store, for this server's own
  // interceptor (the other services go through Authenticate).
  TokenResolver* local_resolver() { return &local_resolver_; }

  // The resolver for interceptors in this process: local_resolver() cached
  // for token_cache_ttl, forgetting a token as soon as its session ends
  // here.
  TokenResolver* token_resolver() { return &cached_resolver_; }

  // Sets the function called with the token of each session that ends
  // through this service (Logout; Login revoking the presented token), once
  // the end is committed and token_resolver() forgot the token: helpdeskd
  // ends that session's open watch streams with it. Runs on the handler's
  // thread and must not block. Set it before serving (it is not
  // synchronized with calls). Sessions that expire are not reported.
  void OnSessionEnded(std::function<void(absl::string_view token)> listener) {
    cached_resolver_.SetListener(std::move(listener));
  }

 private:
  class LocalResolver final : public TokenResolver {
   public:
    explicit LocalResolver(AuthServiceImpl* service) : service_(service) {}
    absl::StatusOr<Principal> Resolve(absl::string_view token) override;

   private:
    AuthServiceImpl* service_;
  };

  // The cache behind token_resolver(). Forget() is called wherever a
  // session ends in this process: it drops the token from the cache, then
  // tells the OnSessionEnded listener.
  class SessionCache final : public TokenResolver {
   public:
    SessionCache(TokenResolver* inner, const Clock* clock,
                 CachingTokenResolver::Options options)
        : cache_(inner, clock, options) {}
    absl::StatusOr<Principal> Resolve(absl::string_view token) override {
      return cache_.Resolve(token);
    }
    void Forget(absl::string_view token);
    void SetListener(std::function<void(absl::string_view)> listener) {
      listener_ = std::move(listener);
    }

   private:
    CachingTokenResolver cache_;
    std::function<void(absl::string_view)> listener_;
  };

  absl::StatusOr<v1::User> DoRegister(grpc::ServerContext& context,
                                      const v1::RegisterRequest& request);
  absl::StatusOr<v1::LoginResponse> DoLogin(grpc::ServerContext& context,
                                            const v1::LoginRequest& request);
  absl::Status DoLogout(grpc::ServerContext& context);
  absl::StatusOr<v1::ListUsersResponse> DoListUsers(
      grpc::ServerContext& context, const v1::ListUsersRequest& request);
  absl::StatusOr<ResolvedSession> ResolveToken(absl::string_view token);
  void NotifyRelay();

  AuthStore* const store_;
  const Clock* const clock_;
  outbox::OutboxRelay* const relay_;
  const AuthServiceOptions options_;
  const PasswordHasher hasher_;
  const paging::PageTokenCodec page_tokens_;
  ratelimit::RateLimiter login_ip_limiter_;
  PasswordAttemptLimiter password_attempts_;
  ratelimit::RateLimiter register_ip_limiter_;
  LocalResolver local_resolver_{this};
  SessionCache cached_resolver_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_AUTH_SERVICE_H_
