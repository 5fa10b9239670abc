#include "services/auth/auth_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/time_util.h"
#include "libs/auth/principal.h"
#include "libs/clients/audit_client.h"
#include "libs/log/log.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "services/auth/session_token.h"
#include "services/auth/user_validation.h"

namespace helpdesk::auth {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::auth::v1::User;

// The one answer to every failed login, whatever the reason.
constexpr char kBadCredentials[] = "invalid email or password";

User ToProto(const UserRecord& record) {
  User user;
  user.set_id(record.id);
  user.set_email(record.email);
  user.set_name(record.name);
  user.set_role(record.role);
  *user.mutable_create_time() = ToTimestamp(record.create_time);
  return user;
}

google::protobuf::Struct UserSnapshot(const UserRecord& user) {
  google::protobuf::Struct snapshot;
  auto& fields = *snapshot.mutable_fields();
  fields["id"].set_string_value(absl::StrCat(user.id));
  fields["email"].set_string_value(user.email);
  fields["name"].set_string_value(user.name);
  fields["role"].set_string_value(User::Role_Name(user.role));
  return snapshot;
}

std::string UserAudit(absl::string_view action, const UserRecord& user,
                      absl::Time time, bool with_snapshot) {
  clients::AuditRecord record;
  record.actor_id = user.id;
  record.action = std::string(action);
  record.entity_type = "user";
  record.entity_id = user.id;
  if (with_snapshot) record.after = UserSnapshot(user);
  record.time = time;
  return clients::AuditPayload(record);
}

struct DemoAccount {
  const char* email;
  const char* name;
  User::Role role;
};

constexpr DemoAccount kDemoAccounts[] = {
    {"admina@example.com", "Admin A", User::ADMIN},
    {"adminb@example.com", "Admin B", User::ADMIN},
    {"usera@example.com", "User A", User::USER},
    {"userb@example.com", "User B", User::USER},
    {"userc@example.com", "User C", User::USER},
    {"userd@example.com", "User D", User::USER},
};
constexpr char kDemoPassword[] = "demo123";

}  // namespace

AuthServiceImpl::AuthServiceImpl(AuthStore* store, const Clock* clock,
                                 AuthServiceOptions options,
                                 outbox::OutboxRelay* relay)
    : store_(store),
      clock_(clock),
      relay_(relay),
      options_(std::move(options)),
      hasher_(options_.argon2),
      page_tokens_(options_.page_token_key),
      // On PostgreSQL the limits are kept in the auth schema, shared by
      // every auth replica.
      login_ip_limiter_(ratelimit::RateLimiter::Options::For(
                            options_.login_per_ip, options_.rate_limits,
                            &store->db(), "login_ip"),
                        clock),
      password_attempts_({.per_account = options_.login_per_email,
                          .address_memory = options_.login_address_memory,
                          .ceiling = options_.login_per_email_ceiling,
                          .enabled = options_.rate_limits,
                          .shared_store = &store->db()},
                         clock),
      register_ip_limiter_(ratelimit::RateLimiter::Options::For(
                               options_.register_per_ip, options_.rate_limits,
                               &store->db(), "register_ip"),
                           clock),
      cached_resolver_(
          &local_resolver_, clock,
          CachingTokenResolver::Options{options_.token_cache_ttl}) {}

void AuthServiceImpl::NotifyRelay() {
  if (relay_ != nullptr) relay_->Notify();
}

grpc::Status AuthServiceImpl::Register(grpc::ServerContext* context,
                                       const v1::RegisterRequest* request,
                                       v1::User* response) {
  return rpc::Reply(context, DoRegister(*context, *request), response);
}

absl::StatusOr<User> AuthServiceImpl::DoRegister(
    grpc::ServerContext& context, const v1::RegisterRequest& request) {
  RETURN_IF_ERROR(register_ip_limiter_.Acquire(
      ClientAddress(context), "too many sign-ups from this address"));
  std::vector<FieldViolation> violations;
  UserRecord user;
  user.email = NormalizeEmail(request.email(), &violations);
  user.name = NormalizeName(request.name(), &violations);
  CheckNewPassword(request.password(), &violations);
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the sign-up form has errors",
                                         violations);
  }
  ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(request.password()));
  user.role = User::USER;
  user.create_time = clock_->Now();
  ASSIGN_OR_RETURN(UserRecord stored,
                   store_->CreateUser(user, [&](const UserRecord& created) {
                     return UserAudit("user.registered", created,
                                      user.create_time, true);
                   }));
  NotifyRelay();
  return ToProto(stored);
}

grpc::Status AuthServiceImpl::Login(grpc::ServerContext* context,
                                    const v1::LoginRequest* request,
                                    v1::LoginResponse* response) {
  return rpc::Reply(context, DoLogin(*context, *request), response);
}

absl::StatusOr<v1::LoginResponse> AuthServiceImpl::DoLogin(
    grpc::ServerContext& context, const v1::LoginRequest& request) {
  std::vector<FieldViolation> violations;
  if (request.email().empty()) violations.push_back({"email", "is required"});
  if (request.password().empty()) {
    violations.push_back({"password", "is required"});
  }
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("email and password are required",
                                         violations);
  }
  std::vector<FieldViolation> ignored;
  const std::string email = NormalizeEmail(request.email(), &ignored);
  const std::string address = ClientAddress(context);
  // Every attempt counts per address; per account only failed ones do, so
  // someone signing in correctly from several tabs is never limited, and
  // an account's spent budget refuses only the addresses that failed for
  // it, so a guesser elsewhere cannot lock the owner out. Unknown emails
  // go through the same limits and the same hashing work.
  RETURN_IF_ERROR(login_ip_limiter_.Acquire(
      address, "too many sign-in attempts from this address"));
  RETURN_IF_ERROR(password_attempts_.Admit(email, address));
  const auto failed = [&] {
    password_attempts_.RecordFailure(email, address);
    return absl::UnauthenticatedError(kBadCredentials);
  };

  absl::StatusOr<UserRecord> user = store_->FindUserByEmail(email);
  if (!user.ok()) {
    if (!absl::IsNotFound(user.status())) return user.status();
    hasher_.VerifyUnknownUser(request.password());
    return failed();
  }
  if (!hasher_.Verify(user->password_hash, request.password())) {
    return failed();
  }
  std::optional<std::string> new_hash;
  if (hasher_.NeedsRehash(user->password_hash)) {
    ASSIGN_OR_RETURN(new_hash, hasher_.Hash(request.password()));
  }
  std::optional<std::string> revoke;
  if (std::optional<std::string> presented = BearerToken(context)) {
    revoke = SessionTokenDigest(*presented);
  }

  const absl::Time now = clock_->Now();
  const std::string token = NewSessionToken();
  NewSession session{SessionTokenDigest(token), user->id, now,
                     now + options_.sessions.absolute_lifetime};
  RETURN_IF_ERROR(store_->StartSession(
      session, new_hash, revoke, UserAudit("user.login", *user, now, false)));
  if (revoke) cached_resolver_.Forget(*BearerToken(context));
  NotifyRelay();
  v1::LoginResponse response;
  *response.mutable_user() = ToProto(*user);
  response.set_session_token(token);
  *response.mutable_expire_time() = ToTimestamp(std::min(
      session.absolute_expire_time, now + options_.sessions.idle_timeout));
  return response;
}

grpc::Status AuthServiceImpl::Logout(grpc::ServerContext* context,
                                     const v1::LogoutRequest* /*request*/,
                                     v1::LogoutResponse* /*response*/) {
  return rpc::ToGrpcStatus(DoLogout(*context), context);
}

absl::Status AuthServiceImpl::DoLogout(grpc::ServerContext& context) {
  RETURN_IF_ERROR(RequireSignedIn(context).status());
  std::optional<std::string> token = BearerToken(context);
  if (!token) return absl::UnauthenticatedError("no session to end");
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(store_
                      ->EndSession(SessionTokenDigest(*token), now,
                                   [&](const UserRecord& user) {
                                     return UserAudit("user.logout", user, now,
                                                      false);
                                   })
                      .status());
  cached_resolver_.Forget(*token);
  NotifyRelay();
  return absl::OkStatus();
}

grpc::Status AuthServiceImpl::GetCurrentUser(
    grpc::ServerContext* context, const v1::GetCurrentUserRequest* /*request*/,
    v1::User* response) {
  absl::StatusOr<Principal> principal = RequireSignedIn(*context);
  if (!principal.ok()) return rpc::ToGrpcStatus(principal.status(), context);
  absl::StatusOr<UserRecord> user = store_->GetUser(principal->user_id);
  if (!user.ok()) return rpc::ToGrpcStatus(user.status(), context);
  *response = ToProto(*user);
  return grpc::Status::OK;
}

grpc::Status AuthServiceImpl::ListUsers(grpc::ServerContext* context,
                                        const v1::ListUsersRequest* request,
                                        v1::ListUsersResponse* response) {
  return rpc::Reply(context, DoListUsers(*context, *request), response);
}

absl::StatusOr<v1::ListUsersResponse> AuthServiceImpl::DoListUsers(
    grpc::ServerContext& context, const v1::ListUsersRequest& request) {
  // Admins, and Helpdesk services (the jobs service notifies every admin).
  if (!IsServiceCaller(context)) {
    RETURN_IF_ERROR(RequireRole(context, User::ADMIN).status());
  }
  if (!User::Role_IsValid(request.role())) {
    return InvalidArgumentWithViolations("invalid role",
                                         {{"role", "unknown role"}});
  }
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  const std::string scope = absl::StrCat("ListUsers/role=", request.role());
  int64_t after_id = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(scope, request.page_token(), 1));
    after_id = keys[0];
  }
  ASSIGN_OR_RETURN(std::vector<UserRecord> users,
                   store_->ListUsers(request.role(), after_id, page_size + 1));
  v1::ListUsersResponse response;
  const bool more = static_cast<int>(users.size()) > page_size;
  if (more) users.pop_back();
  for (const UserRecord& user : users) *response.add_users() = ToProto(user);
  if (more) {
    response.set_next_page_token(
        page_tokens_.EncodeKeys(scope, {users.back().id}));
  }
  return response;
}

grpc::Status AuthServiceImpl::BatchGetUsers(
    grpc::ServerContext* context, const v1::BatchGetUsersRequest* request,
    v1::BatchGetUsersResponse* response) {
  absl::Status allowed = RequireServiceCaller(*context);
  if (!allowed.ok()) return rpc::ToGrpcStatus(allowed, context);
  std::vector<int64_t> ids(request->ids().begin(), request->ids().end());
  absl::StatusOr<std::vector<UserRecord>> users = store_->GetUsers(ids);
  if (!users.ok()) return rpc::ToGrpcStatus(users.status(), context);
  for (const UserRecord& user : *users) *response->add_users() = ToProto(user);
  return grpc::Status::OK;
}

grpc::Status AuthServiceImpl::Authenticate(
    grpc::ServerContext* context, const v1::AuthenticateRequest* request,
    v1::AuthenticateResponse* response) {
  absl::Status allowed = RequireServiceCaller(*context);
  if (!allowed.ok()) return rpc::ToGrpcStatus(allowed, context);
  absl::StatusOr<ResolvedSession> session =
      ResolveToken(request->session_token());
  if (!session.ok()) return rpc::ToGrpcStatus(session.status(), context);
  response->set_user_id(session->principal.user_id);
  response->set_role(session->principal.role);
  *response->mutable_expire_time() = ToTimestamp(session->expire_time);
  return grpc::Status::OK;
}

absl::StatusOr<ResolvedSession> AuthServiceImpl::ResolveToken(
    absl::string_view token) {
  if (token.empty()) return absl::UnauthenticatedError("no session token");
  return store_->ResolveSession(SessionTokenDigest(token), clock_->Now(),
                                options_.sessions);
}

absl::StatusOr<Principal> AuthServiceImpl::LocalResolver::Resolve(
    absl::string_view token) {
  ASSIGN_OR_RETURN(ResolvedSession session, service_->ResolveToken(token));
  return session.principal;
}

void AuthServiceImpl::SessionCache::Forget(absl::string_view token) {
  cache_.Forget(token);
  if (listener_) listener_(token);
}

absl::Status AuthServiceImpl::SeedDemoAccounts() {
  for (const DemoAccount& account : kDemoAccounts) {
    absl::StatusOr<UserRecord> existing =
        store_->FindUserByEmail(account.email);
    if (existing.ok()) continue;
    if (!absl::IsNotFound(existing.status())) return existing.status();
    UserRecord user;
    user.email = account.email;
    user.name = account.name;
    user.role = account.role;
    user.create_time = clock_->Now();
    ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(kDemoPassword));
    ASSIGN_OR_RETURN(bool created, store_->CreateUserIfMissing(user));
    if (created) LogInfo("demo_account_created", {{"email", account.email}});
  }
  return absl::OkStatus();
}

absl::StatusOr<int> AuthServiceImpl::PurgeExpiredSessions() {
  return store_->PurgeExpiredSessions(clock_->Now(), options_.sessions);
}

}  // namespace helpdesk::auth
