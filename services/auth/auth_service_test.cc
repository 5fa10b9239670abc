#include "services/auth/auth_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/auth/principal.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/db/sql.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "services/auth/auth_component.h"
#include "services/auth/session_token.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::auth::v1::AuthService;
using ::helpdesk::auth::v1::User;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kServiceToken[] = "test-service-token-0123456789abcdef";
// Client addresses for the lockout tests (RFC 5737 documentation ranges).
constexpr char kAttackerAddress[] = "203.0.113.7";
constexpr char kOwnerAddress[] = "198.51.100.2";

// The BadRequest field violations of `status` as (field, description).
std::vector<std::pair<std::string, std::string>> Violations(
    const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> violations;
  if (auto bad_request = GetBadRequest(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      violations.emplace_back(violation.field(), violation.description());
    }
  }
  return violations;
}

// Cheap Argon2id parameters: the tests exercise the logic, not the cost.
PasswordHasher::Params TestArgon2(uint32_t iterations = 1) {
  return {.memory_kib = 64, .iterations = iterations, .parallelism = 1};
}

// Every case on both storage engines.
class AuthServiceTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    database_url_ = NewLocation("auth").postgres_url;
    Start(TestArgon2());
  }

  void TearDown() override {
    if (component_ != nullptr) component_->Stop();
    server_.reset();
  }

  void Start(PasswordHasher::Params argon2, bool seed_demo = true) {
    TearDown();
    component_.reset();
    AuthComponentOptions options;
    options.storage = {.data_dir = dir_.path().string(),
                       .database_url = database_url_};
    options.service_token = kServiceToken;
    options.seed_demo = seed_demo;
    options.service.argon2 = argon2;
    options.service.page_token_key = "test-key";
    options.service.login_per_email = {5, absl::Minutes(10)};
    options.service.login_address_memory = absl::Minutes(10);
    options.service.login_per_email_ceiling = {20, absl::Minutes(10)};
    options.service.login_per_ip = {10, absl::Minutes(10)};
    options.service.register_per_ip = {5, absl::Hours(1)};
    auto component =
        AuthComponent::Create(options, &clock_,
                              // No peer listens here: audit is away.
                              rpc::Peers::Unreachable());
    ASSERT_THAT(component, IsOk());
    component_ = std::move(*component);
    rpc::Component* components[] = {component_.get()};
    auto server = rpc::StartComponentServer(
        {}, components, component_->token_resolver(), kServiceToken);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    stub_ = AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Calls `method` with optional bearer token / service credential.
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request,
                                const std::string& token = "",
                                bool as_service = false,
                                grpc::ClientContext* context = nullptr) {
    grpc::ClientContext local;
    if (context == nullptr) context = &local;
    if (!token.empty())
      context->AddMetadata("authorization", "Bearer " + token);
    if (as_service) context->AddMetadata(kServiceTokenKey, kServiceToken);
    Response response;
    absl::Status status = rpc::FromGrpcStatus(
        (stub_.get()->*method)(context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<User> Register(const std::string& email,
                                const std::string& name = "New Person",
                                const std::string& password = "correct horse") {
    v1::RegisterRequest request;
    request.set_email(email);
    request.set_name(name);
    request.set_password(password);
    return Call<v1::RegisterRequest, User>(&AuthService::Stub::Register,
                                           request);
  }

  absl::StatusOr<v1::LoginResponse> Login(
      const std::string& email, const std::string& password,
      const std::string& presented = "",
      grpc::ClientContext* context = nullptr) {
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    return Call<v1::LoginRequest, v1::LoginResponse>(
        &AuthService::Stub::Login, request, presented, false, context);
  }

  // Login as relayed by the gateway for a client at `address`.
  absl::StatusOr<v1::LoginResponse> LoginFrom(const std::string& address,
                                              const std::string& email,
                                              const std::string& password) {
    grpc::ClientContext context;
    context.AddMetadata(kServiceTokenKey, kServiceToken);
    context.AddMetadata(kForwardedForKey, address);
    return Login(email, password, "", &context);
  }

  absl::StatusOr<User> Me(const std::string& token) {
    return Call<v1::GetCurrentUserRequest, User>(
        &AuthService::Stub::GetCurrentUser, v1::GetCurrentUserRequest(), token);
  }

  absl::Status Logout(const std::string& token) {
    return Call<v1::LogoutRequest, v1::LogoutResponse>(
               &AuthService::Stub::Logout, v1::LogoutRequest(), token)
        .status();
  }

  std::string DemoToken(const std::string& email) {
    auto login = Login(email, "demo123");
    EXPECT_THAT(login, IsOk());
    return login.ok() ? login->session_token() : "";
  }

  // Reads the service's tables directly, as an operator (or attacker) with
  // the database would.
  std::vector<std::string> Column(const std::string& sql) {
    std::vector<std::string> values;
    EXPECT_THAT(
        component_->store()->db().Read([&](db::Connection& db) -> absl::Status {
          ASSIGN_OR_RETURN(db::Rows rows, db.Query(sql));
          for (int r = 0; r < rows.size(); ++r) {
            values.push_back(rows.Text(r, 0));
          }
          return absl::OkStatus();
        }),
        IsOk());
    return values;
  }

  std::string database_url_;  // empty: SQLite
  ManualClock clock_;
  std::unique_ptr<AuthComponent> component_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<AuthService::Stub> stub_;
};

HELPDESK_INSTANTIATE_ENGINES(AuthServiceTest);

TEST_P(AuthServiceTest, RegisterCreatesAUserWithANormalisedEmail) {
  auto user = Register("  Someone@Example.COM ", " Some One ");
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->email(), "someone@example.com");
  EXPECT_EQ(user->name(), "Some One");
  EXPECT_EQ(user->role(), User::USER);
  EXPECT_GT(user->id(), 0);
  auto login = Login("someone@example.com", "correct horse");
  ASSERT_THAT(login, IsOk());
  EXPECT_EQ(login->user().id(), user->id());
}

TEST_P(AuthServiceTest, DuplicateEmailIsAlreadyExists) {
  ASSERT_THAT(Register("dup@example.com"), IsOk());
  EXPECT_THAT(Register("DUP@example.com"),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(AuthServiceTest, MalformedSignUpListsEveryViolation) {
  absl::StatusOr<User> user = Register("not-an-email", "", "short");
  ASSERT_THAT(user, StatusIs(absl::StatusCode::kInvalidArgument));
  auto bad_request = GetBadRequest(user.status());
  ASSERT_TRUE(bad_request.has_value());
  std::vector<std::string> fields;
  for (const auto& violation : bad_request->field_violations()) {
    fields.push_back(violation.field());
  }
  EXPECT_THAT(fields, ElementsAre("email", "name", "password"));
}

TEST_P(AuthServiceTest, OverlongInputIsRejected) {
  EXPECT_THAT(Register("long@example.com", std::string(101, 'n')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Register("long@example.com", "Name", std::string(129, 'p')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Register(std::string(250, 'a') + "@example.com"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Register("ctl@example.com", "Bad\x01Name"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuthServiceTest, LoginIssuesA256BitTokenThatIsNotStoredRaw) {
  auto login = Login("usera@example.com", "demo123");
  ASSERT_THAT(login, IsOk());
  const std::string& token = login->session_token();
  EXPECT_EQ(token.size(), 43u);  // 32 bytes, URL-safe base64 without padding
  EXPECT_EQ(login->user().email(), "usera@example.com");
  EXPECT_TRUE(login->has_expire_time());

  std::vector<std::string> stored = Column("SELECT token_digest FROM sessions");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], SessionTokenDigest(token));
  EXPECT_NE(stored[0], token);
}

TEST_P(AuthServiceTest, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  absl::Status wrong = Login("usera@example.com", "nope-nope").status();
  absl::Status unknown = Login("ghost@example.com", "nope-nope").status();
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(wrong, unknown);
}

TEST_P(AuthServiceTest, EmptyCredentialsAreInvalidArgument) {
  EXPECT_THAT(Login("", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Login("usera@example.com", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuthServiceTest, EveryLoginIssuesAFreshTokenAndRevokesThePresentedOne) {
  const std::string first = DemoToken("usera@example.com");
  auto second = Login("usera@example.com", "demo123", first);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->session_token(), first);
  // At once: the interceptor's cache forgets the revoked token.
  EXPECT_THAT(Me(first), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Me(second->session_token()), IsOk());
}

TEST_P(AuthServiceTest, GetCurrentUserNeedsASession) {
  EXPECT_THAT(Me(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Me("forged-token"), StatusIs(absl::StatusCode::kUnauthenticated));
  auto me = Me(DemoToken("adminb@example.com"));
  ASSERT_THAT(me, IsOk());
  EXPECT_EQ(me->role(), User::ADMIN);
}

TEST_P(AuthServiceTest, LogoutTakesEffectOnTheNextCall) {
  const std::string token = DemoToken("userb@example.com");
  ASSERT_THAT(Me(token), IsOk());  // now cached by the interceptor
  ASSERT_THAT(Logout(token), IsOk());
  // No clock advance: the cached entry went with the session.
  EXPECT_THAT(Me(token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Logout(token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Column("SELECT user_id FROM sessions"), ::testing::IsEmpty());
}

TEST_P(AuthServiceTest, LogoutWithoutASessionIsUnauthenticated) {
  EXPECT_THAT(Logout(""), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthServiceTest, IdleSessionExpiresAndUseKeepsItAlive) {
  const std::string token = DemoToken("userc@example.com");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Minutes(20));
    ASSERT_THAT(Me(token), IsOk()) << "used every 20 minutes: still alive";
  }
  clock_.Advance(absl::Minutes(31));
  EXPECT_THAT(Me(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthServiceTest, SessionEndsAtItsAbsoluteLifetimeEvenIfUsed) {
  const std::string token = DemoToken("userd@example.com");
  for (int i = 0; i < 19; ++i) {
    clock_.Advance(absl::Minutes(25));
    ASSERT_THAT(Me(token), IsOk());
  }
  clock_.Advance(absl::Minutes(25));  // 8h20m after login
  EXPECT_THAT(Me(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthServiceTest, ExpiredSessionsArePurged) {
  DemoToken("usera@example.com");
  DemoToken("userb@example.com");
  clock_.Advance(absl::Minutes(31));
  auto purged = component_->service()->PurgeExpiredSessions();
  ASSERT_THAT(purged, IsOk());
  EXPECT_EQ(*purged, 2);
  EXPECT_THAT(Column("SELECT user_id FROM sessions"), ::testing::IsEmpty());
}

TEST_P(AuthServiceTest, ListUsersIsForAdminsFiltersByRoleAndPages) {
  v1::ListUsersRequest request;
  EXPECT_THAT((Call<v1::ListUsersRequest, v1::ListUsersResponse>(
                  &AuthService::Stub::ListUsers, request,
                  DemoToken("usera@example.com"))),
              StatusIs(absl::StatusCode::kPermissionDenied));

  const std::string admin = DemoToken("admina@example.com");
  request.set_role(User::USER);
  request.set_page_size(3);
  auto first = Call<v1::ListUsersRequest, v1::ListUsersResponse>(
      &AuthService::Stub::ListUsers, request, admin);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->users_size(), 3);
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  auto second = Call<v1::ListUsersRequest, v1::ListUsersResponse>(
      &AuthService::Stub::ListUsers, request, admin);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->users_size(), 1);
  EXPECT_TRUE(second->next_page_token().empty());
  EXPECT_EQ(second->users(0).email(), "userd@example.com");
  for (const auto& user : first->users()) EXPECT_EQ(user.role(), User::USER);

  // A token from the USER listing cannot page the ADMIN listing.
  request.set_role(User::ADMIN);
  EXPECT_THAT((Call<v1::ListUsersRequest, v1::ListUsersResponse>(
                  &AuthService::Stub::ListUsers, request, admin)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuthServiceTest, ServicesMayListUsers) {
  v1::ListUsersRequest request;
  request.set_role(User::ADMIN);
  auto admins = Call<v1::ListUsersRequest, v1::ListUsersResponse>(
      &AuthService::Stub::ListUsers, request, "", /*as_service=*/true);
  ASSERT_THAT(admins, IsOk());
  EXPECT_EQ(admins->users_size(), 2);
  EXPECT_THAT((Call<v1::ListUsersRequest, v1::ListUsersResponse>(
                  &AuthService::Stub::ListUsers, request, "")),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthServiceTest, HugePageSizeIsClampedAndNegativeRejected) {
  const std::string admin = DemoToken("admina@example.com");
  v1::ListUsersRequest request;
  request.set_page_size(1'000'000'000);
  auto all = Call<v1::ListUsersRequest, v1::ListUsersResponse>(
      &AuthService::Stub::ListUsers, request, admin);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->users_size(), 6);
  request.set_page_size(-5);
  EXPECT_THAT((Call<v1::ListUsersRequest, v1::ListUsersResponse>(
                  &AuthService::Stub::ListUsers, request, admin)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuthServiceTest, InternalRpcsRefuseEveryoneButServices) {
  const std::string admin = DemoToken("admina@example.com");
  v1::BatchGetUsersRequest batch;
  batch.add_ids(1);
  batch.add_ids(3);
  batch.add_ids(999);
  EXPECT_THAT((Call<v1::BatchGetUsersRequest, v1::BatchGetUsersResponse>(
                  &AuthService::Stub::BatchGetUsers, batch, admin)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto users = Call<v1::BatchGetUsersRequest, v1::BatchGetUsersResponse>(
      &AuthService::Stub::BatchGetUsers, batch, "", /*as_service=*/true);
  ASSERT_THAT(users, IsOk());
  EXPECT_EQ(users->users_size(), 2);

  v1::AuthenticateRequest authenticate;
  authenticate.set_session_token(admin);
  EXPECT_THAT((Call<v1::AuthenticateRequest, v1::AuthenticateResponse>(
                  &AuthService::Stub::Authenticate, authenticate, admin)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto resolved = Call<v1::AuthenticateRequest, v1::AuthenticateResponse>(
      &AuthService::Stub::Authenticate, authenticate, "", true);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->role(), User::ADMIN);
  authenticate.set_session_token("forged");
  EXPECT_THAT((Call<v1::AuthenticateRequest, v1::AuthenticateResponse>(
                  &AuthService::Stub::Authenticate, authenticate, "", true)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthServiceTest, LoginIsLimitedPerEmailWithRetryAfter) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Login("usera@example.com", "wrong-password"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  grpc::ClientContext context;
  absl::Status limited =
      Login("usera@example.com", "demo123", "", &context).status();
  EXPECT_THAT(limited, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetRetryDelay(limited), absl::Minutes(2));
  EXPECT_THAT(context.GetServerTrailingMetadata(),
              Contains(Pair("retry-after", "120")));
  // Another account from the same address is still fine.
  EXPECT_THAT(Login("userb@example.com", "demo123"), IsOk());
  clock_.Advance(absl::Minutes(2));
  EXPECT_THAT(Login("usera@example.com", "demo123"), IsOk());
}

TEST_P(AuthServiceTest, CorrectSignInsAreNeverLimitedPerEmail) {
  // Nine correct sign-ins within ten minutes (several tabs), under the
  // per-address limit of ten: more than the per-email limit of five.
  for (int i = 0; i < 9; ++i) {
    ASSERT_THAT(Login("usera@example.com", "demo123"), IsOk()) << i;
    clock_.Advance(absl::Seconds(30));
  }
}

TEST_P(AuthServiceTest, FailuresThenASuccessCountOnlyTheFailuresPerEmail) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(Login("usera@example.com", "wrong-password"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  // A success does not spend the fifth failure.
  ASSERT_THAT(Login("usera@example.com", "demo123"), IsOk());
  ASSERT_THAT(Login("usera@example.com", "wrong-password"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Login("usera@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(AuthServiceTest, EveryAttemptCountsPerAddress) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(Login("usera@example.com", "demo123"), IsOk()) << i;
  }
  EXPECT_THAT(Login("usera@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  clock_.Advance(absl::Minutes(1));  // one attempt per minute comes back
  EXPECT_THAT(Login("usera@example.com", "demo123"), IsOk());
}

TEST_P(AuthServiceTest, LoginIsLimitedPerAddress) {
  const char* accounts[] = {"usera@example.com", "userb@example.com",
                            "userc@example.com", "userd@example.com",
                            "admina@example.com"};
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(Login(accounts[i % 5], "wrong-password"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  EXPECT_THAT(Login("adminb@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(AuthServiceTest, RegisterIsLimitedPerAddress) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Register(absl::StrCat("n", i, "@example.com")), IsOk());
  }
  EXPECT_THAT(Register("n5@example.com"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(AuthServiceTest, HashFromOlderParametersIsReplacedAtLogin) {
  ASSERT_THAT(Register("rehash@example.com"), IsOk());
  const std::string old_hash = Column(
      "SELECT password_hash FROM users WHERE email = 'rehash@example.com'")[0];
  EXPECT_THAT(old_hash, ::testing::HasSubstr("t=1,"));
  Start(TestArgon2(/*iterations=*/2));
  ASSERT_THAT(Login("rehash@example.com", "correct horse"), IsOk());
  const std::string new_hash = Column(
      "SELECT password_hash FROM users WHERE email = 'rehash@example.com'")[0];
  EXPECT_THAT(new_hash, ::testing::HasSubstr("$argon2id$v=19$m=64,t=2,p=1$"));
  EXPECT_THAT(Login("rehash@example.com", "correct horse"), IsOk());
}

TEST_P(AuthServiceTest, DemoAccountsAreSeededOnce) {
  Start(TestArgon2());  // a second start on the same data
  EXPECT_EQ(Column("SELECT email FROM users").size(), 6u);
  EXPECT_THAT(Column("SELECT email FROM users WHERE role = 2 ORDER BY id"),
              ElementsAre("admina@example.com", "adminb@example.com"));
}

TEST_P(AuthServiceTest, AuditEventsWaitInTheOutboxWhileAuditIsAway) {
  // Audit is not served here: the relay keeps every event.
  ASSERT_THAT(component_->Start(), IsOk());
  auto user = Register("audited@example.com");
  ASSERT_THAT(user, IsOk());
  auto login = Login("audited@example.com", "correct horse");
  ASSERT_THAT(login, IsOk());
  ASSERT_THAT(Logout(login->session_token()), IsOk());
  ASSERT_THAT(component_->relay()->RunOnce(), IsOk());

  std::vector<std::string> actions;
  for (const std::string& payload :
       Column("SELECT payload FROM outbox ORDER BY id")) {
    audit::v1::RecordAuditEventRequest event;
    ASSERT_TRUE(event.ParseFromString(payload));
    EXPECT_EQ(event.actor_id(), user->id());
    EXPECT_EQ(event.entity_type(), "user");
    actions.push_back(event.action());
  }
  EXPECT_THAT(actions,
              ElementsAre("user.registered", "user.login", "user.logout"));
}

// Issue #16: someone guessing from one address must not lock the owner out
// everywhere (OWASP: lockout as denial of service).
TEST_P(AuthServiceTest, GuessesFromOneAddressDoNotLockTheOwnerOutElsewhere) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "wrong-pass"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "demo123"), IsOk());
}

TEST_P(AuthServiceTest, TheGuessingAddressStaysLimitedWithTheRightPassword) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "wrong-pass"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  absl::Status limited =
      LoginFrom(kAttackerAddress, "usera@example.com", "demo123").status();
  EXPECT_THAT(limited, StatusIs(absl::StatusCode::kResourceExhausted,
                                "too many failed sign-in attempts for this "
                                "account"));
  EXPECT_EQ(GetRetryDelay(limited), absl::Minutes(2));
}

TEST_P(AuthServiceTest, AfterTheWindowBothAddressesSignIn) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "wrong-pass"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  ASSERT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  clock_.Advance(absl::Minutes(10));
  EXPECT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "demo123"),
              IsOk());
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "demo123"), IsOk());
}

TEST_P(AuthServiceTest, PastTheBudgetAnotherAddressGetsOneGuessOnly) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(LoginFrom(kAttackerAddress, "usera@example.com", "wrong-pass"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "wrong-pass"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(AuthServiceTest, ManyGuessingAddressesMeetThePerAccountCeiling) {
  // One failure from each of 20 addresses (the per-account ceiling), then
  // the account is refused from everywhere, even with the right password.
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(LoginFrom(absl::StrCat("192.0.2.", i), "usera@example.com",
                          "wrong-pass"),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << i;
  }
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "demo123"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  clock_.Advance(absl::Seconds(30));
  EXPECT_THAT(LoginFrom(kOwnerAddress, "usera@example.com", "demo123"), IsOk());
}

TEST_P(AuthServiceTest, UnknownEmailsAreLimitedExactlyLikeKnownOnes) {
  // The same sequence against a real and a made-up account, each from its
  // own pair of addresses (the per-address limit is shared): answers match.
  std::vector<absl::Status> answers[2];
  const char* emails[] = {"usera@example.com", "ghost@example.com"};
  for (int e = 0; e < 2; ++e) {
    const std::string attacker = absl::StrCat("203.0.113.", e);
    const std::string owner = absl::StrCat("198.51.100.", e);
    for (int i = 0; i < 6; ++i) {
      answers[e].push_back(
          LoginFrom(attacker, emails[e], "wrong-pass").status());
    }
    answers[e].push_back(LoginFrom(owner, emails[e], "wrong-pass").status());
    answers[e].push_back(LoginFrom(owner, emails[e], "wrong-pass").status());
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_THAT(answers[0][5], StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(answers[0][6], StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(answers[0][7], StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(AuthServiceTest, AllWhitespacePasswordIsRejected) {
  for (const std::string password : {"          ", "\t \t \t \t ",
                                     "\u3000\u3000\u3000\u3000\u3000\u3000"
                                     "\u3000\u3000"}) {
    absl::Status status =
        Register("spaces@example.com", "Name", password).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(Violations(status),
                ElementsAre(Pair("password", "must not be only whitespace")));
  }
  // Spaces inside a password are fine.
  EXPECT_THAT(Register("spaces@example.com", "Name", "  two words  "), IsOk());
}

TEST_P(AuthServiceTest, CommonPasswordIsRejectedWhateverItsCase) {
  for (const std::string password : {"password1", "PassWord1", "QWERTYUIOP"}) {
    absl::Status status =
        Register("common@example.com", "Name", password).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(Violations(status),
                ElementsAre(Pair("password", "is too common")));
  }
}

TEST_P(AuthServiceTest, EmailsAreStoredInNfcWithTheirDomainMapped) {
  // Decomposed "é" and an upper-case internationalised domain.
  auto user = Register("Jose\u0301@B\u00DCCHER.de");
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->email(), "jos\u00E9@b\u00FCcher.de");
  // The same address precomposed, in capitals, or with the domain in its
  // ASCII (punycode) form is the same account.
  EXPECT_THAT(Register("JOS\u00C9@xn--bcher-kva.de"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Login("jos\u00E9@B\u00FCcher.DE", "correct horse"), IsOk());
}

TEST_P(AuthServiceTest, LookAlikeDomainsAreRejected) {
  // Cyrillic "а" among Latin letters; the same in punycode; an all-Cyrillic
  // "аррӏе" that reads as "apple".
  for (const std::string email :
       {"user@\u0430pple.com", "user@xn--pple-43d.com",
        "user@\u0430\u0440\u0440\u04CF\u0435.com"}) {
    absl::Status status = Register(email).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << email;
    ASSERT_EQ(Violations(status).size(), 1u) << email;
    EXPECT_EQ(Violations(status)[0].first, "email");
    EXPECT_THAT(Violations(status)[0].second,
                ::testing::HasSubstr("look-alike"));
  }
}

TEST_P(AuthServiceTest, SingleScriptInternationalDomainsAreAccepted) {
  EXPECT_THAT(
      Register("user@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444"),
      IsOk());  // пример.рф
  EXPECT_THAT(Register("user@b\u00FCcher.de"), IsOk());
  EXPECT_THAT(Register("user@\u4F8B\u3048.jp"), IsOk());  // 例え.jp
}

TEST_P(AuthServiceTest, DisplayNamesAreNfcWithoutBidiControls) {
  auto user = Register("bidi@example.com", "\u202EJose\u0301 A\u200F");
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->name(), "Jos\u00E9 A");
  absl::Status status =
      Register("bidi2@example.com", "\u202E\u2066\u2069").status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Violations(status), ElementsAre(Pair("name", "is required")));
}

}  // namespace
}  // namespace helpdesk::auth
