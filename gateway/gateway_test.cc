// The gateway end to end: a real HTTP client, the real gateway, and the real
// auth and audit services behind the real auth interceptor on one gRPC
// server (as in helpdeskd), reached over loopback.
#include "gateway/gateway.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/testing/gateway_cluster.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::gateway::testing::TestResponse;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::testing::StartsWith;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kForeignOrigin[] = "https://evil.example.net";
constexpr char kUserLogin[] =
    R"({"email":"usera@example.com","password":"demo123"})";
constexpr char kAdminLogin[] =
    R"({"email":"admina@example.com","password":"demo123"})";

template <typename T>
T ParseJson(const std::string& json) {
  T message;
  google::protobuf::util::JsonParseOptions options;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(json, &message, options).ok())
      << json;
  return message;
}

// The value of cookie `name` in a Set-Cookie header, "" when absent.
std::string CookieValue(const TestResponse& response) {
  std::optional<std::string> header = response.Header("set-cookie");
  if (!header.has_value() || !absl::StartsWith(*header, "sid=")) return "";
  return header->substr(4, header->find(';') - 4);
}

int ThreadCount() {
  int count = 0;
  DIR* dir = opendir("/proc/self/task");
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

class GatewayTest : public GatewayClusterTest {
 protected:
  // One request on a fresh connection; a body goes as application/json
  // unless `headers` name a Content-Type.
  TestResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", Headers headers = {}) {
    if (!body.empty() &&
        std::none_of(headers.begin(), headers.end(), [](const auto& header) {
          return absl::EqualsIgnoreCase(header.first, "content-type");
        })) {
      headers.push_back({"Content-Type", "application/json"});
    }
    TestHttpClient client(gateway_->port());
    absl::StatusOr<TestResponse> response =
        client.Send(method, target, body, headers);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : TestResponse{};
  }

  // Signs in through the gateway; the session cookie's value.
  std::string LoginCookie(const std::string& body = kUserLogin) {
    TestResponse response = Call("POST", "/v1/auth/login", body);
    EXPECT_EQ(response.status, 200) << response.body;
    return CookieValue(response);
  }

  google::rpc::Status ErrorBody(const TestResponse& response) {
    EXPECT_EQ(response.Header("content-type"),
              std::optional<std::string>("application/json"));
    return ParseJson<google::rpc::Status>(response.body);
  }
};

TEST_F(GatewayTest, LoginSetsTheSessionCookieAndHidesTheToken) {
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin);
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string cookie = *response.Header("set-cookie");
  EXPECT_THAT(cookie, StartsWith("sid="));
  EXPECT_THAT(cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("; SameSite=Lax"));
  EXPECT_THAT(cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(cookie, HasSubstr("; Max-Age="));
  EXPECT_THAT(cookie, Not(HasSubstr("Secure")));
  EXPECT_GE(CookieValue(response).size(), 43u);  // 256 bits, base64
  EXPECT_THAT(response.body, Not(HasSubstr("sessionToken")));
  EXPECT_THAT(response.body, Not(HasSubstr(CookieValue(response))));
  auto login = ParseJson<auth::v1::LoginResponse>(response.body);
  EXPECT_EQ(login.user().email(), "usera@example.com");
  EXPECT_EQ(login.user().role(), auth::v1::User::USER);
  EXPECT_TRUE(login.has_expire_time());
}

TEST_F(GatewayTest, SessionCookieMaxAgeFollowsTheSessionExpiry) {
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin);
  auto login = ParseJson<auth::v1::LoginResponse>(response.body);
  const std::string cookie = *response.Header("set-cookie");
  const size_t at = cookie.find("Max-Age=") + 8;
  const int64_t max_age = std::stoll(cookie.substr(at));
  const int64_t expected =
      login.expire_time().seconds() - absl::ToUnixSeconds(absl::Now());
  EXPECT_NEAR(static_cast<double>(max_age), static_cast<double>(expected), 5);
  EXPECT_GT(max_age, 0);
}

TEST_F(GatewayTest, SecureCookiesAddTheSecureAttribute) {
  GatewayOptions options = Options();
  options.secure_cookies = true;
  StartGateway(options);
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin);
  EXPECT_THAT(*response.Header("set-cookie"), HasSubstr("; Secure"));
}

TEST_F(GatewayTest, CookieAuthenticatesGetCurrentUser) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("GET", "/v1/auth/me", "", {{"Cookie", "theme=dark; sid=" + sid}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto user = ParseJson<auth::v1::User>(response.body);
  EXPECT_EQ(user.email(), "usera@example.com");
  // proto3 JSON: lowerCamelCase, int64 as a string, enums by name.
  EXPECT_THAT(response.body, HasSubstr(R"("createTime":")"));
  EXPECT_THAT(response.body, HasSubstr(R"("id":")"));
  EXPECT_THAT(response.body, HasSubstr(R"("role":"USER")"));
}

TEST_F(GatewayTest, BearerHeaderAuthenticates) {
  const std::string token = LoginToken("admina@example.com");
  TestResponse response =
      Call("GET", "/v1/auth/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(ParseJson<auth::v1::User>(response.body).email(),
            "admina@example.com");
}

TEST_F(GatewayTest, LogoutClearsTheCookieAndEndsTheSession) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("POST", "/v1/auth/logout", "", {{"Cookie", "sid=" + sid}});
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string cookie = *response.Header("set-cookie");
  EXPECT_THAT(cookie, StartsWith("sid=;"));
  EXPECT_THAT(cookie, HasSubstr("Max-Age=0"));
  clock_.Advance(absl::Seconds(5));  // past the token caches
  EXPECT_EQ(Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}}).status,
            401);
}

TEST_F(GatewayTest, MissingSessionIs401) {
  TestResponse response = Call("GET", "/v1/auth/me");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayTest, WrongPasswordIs401) {
  TestResponse response =
      Call("POST", "/v1/auth/login",
           R"({"email":"usera@example.com","password":"not the password"})");
  EXPECT_EQ(response.status, 401);
  EXPECT_FALSE(response.Header("set-cookie").has_value());
}

TEST_F(GatewayTest, UserReadingTheAuditTrailIs403) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("GET", "/v1/auditEvents", "", {{"Cookie", "sid=" + sid}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::PERMISSION_DENIED);
}

// The gateway holds the service credential, but what it relays for a
// client is authorized as that client: no service bypass through it.
TEST_F(GatewayTest, UserListingUsersIs403) {
  const std::string sid = LoginCookie();
  EXPECT_EQ(Call("GET", "/v1/users", "", {{"Cookie", "sid=" + sid}}).status,
            403);
  EXPECT_EQ(Call("GET", "/v1/users").status, 401);
}

TEST_F(GatewayTest, MalformedJsonIs400) {
  TestResponse response =
      Call("POST", "/v1/auth/login", R"({"email": "usera@example.com",)");
  EXPECT_EQ(response.status, 400);
  google::rpc::Status status = ErrorBody(response);
  EXPECT_EQ(status.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.message(), HasSubstr("invalid JSON body"));
}

TEST_F(GatewayTest, UnknownFieldIs400) {
  TestResponse response = Call(
      "POST", "/v1/auth/login",
      R"({"email":"usera@example.com","password":"demo123","admin":true})");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(ErrorBody(response).message(), HasSubstr("admin"));
}

TEST_F(GatewayTest, WrongTypeIs400) {
  TestResponse response =
      Call("POST", "/v1/auth/login", R"({"email":42,"password":"demo123"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GatewayTest, InvalidUtf8Is400) {
  TestResponse response =
      Call("POST", "/v1/auth/login",
           "{\"email\":\"us\xff\xfe@example.com\",\"password\":\"x\"}");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(ErrorBody(response).message(), HasSubstr("UTF-8"));
}

TEST_F(GatewayTest, ProtoFieldNamesAreAcceptedToo) {
  const std::string sid = LoginCookie(kAdminLogin);
  TestResponse response = Call("GET", "/v1/users?page_size=1&role=ADMIN", "",
                               {{"Cookie", "sid=" + sid}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(ParseJson<auth::v1::ListUsersResponse>(response.body).users_size(),
            1);
}

TEST_F(GatewayTest, ServiceValidationErrorsCarryBadRequestDetails) {
  TestResponse response =
      Call("POST", "/v1/auth/register",
           R"({"email":"not-an-email","name":"X","password":"long enough!"})");
  EXPECT_EQ(response.status, 400);
  google::rpc::Status status = ErrorBody(response);
  ASSERT_EQ(status.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(status.details(0).UnpackTo(&bad_request));
  ASSERT_GE(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "email");
}

TEST_F(GatewayTest, UnknownRouteIs404) {
  TestResponse response = Call("GET", "/v1/nothing/here");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GatewayTest, KnownPathWithAnotherMethodIs405) {
  TestResponse response = Call("DELETE", "/v1/auth/me");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("allow"), std::optional<std::string>("GET"));
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GatewayTest, DuplicateRegistrationIs409) {
  TestResponse response = Call(
      "POST", "/v1/auth/register",
      R"({"email":"usera@example.com","name":"Again","password":"long enough!"})");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::ALREADY_EXISTS);
}

// A real rate limit (RESOURCE_EXHAUSTED with RetryInfo): auth allows 10
// sign-in attempts per address per 10 minutes.
TEST_F(GatewayTest, EleventhLoginFromOneAddressIs429WithRetryAfter) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Call("POST", "/v1/auth/login", kUserLogin).status, 200);
  }
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin);
  ASSERT_EQ(response.status, 429) << response.body;
  std::optional<std::string> retry_after = response.Header("retry-after");
  ASSERT_TRUE(retry_after.has_value());
  EXPECT_GT(std::stoi(*retry_after), 0);
  EXPECT_LE(std::stoi(*retry_after), 600);
  google::rpc::Status status = ErrorBody(response);
  EXPECT_EQ(status.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(status.details_size(), 1);
  google::rpc::RetryInfo retry_info;
  EXPECT_TRUE(status.details(0).UnpackTo(&retry_info));
}

TEST_F(GatewayTest, BackendDeadlineIs504) {
  GatewayOptions options = Options();
  // Already over when the call starts (gRPC's timers have millisecond
  // granularity: a tiny positive deadline may still be met).
  options.backend_deadline = -absl::Seconds(1);
  StartGateway(options);
  TestResponse response = Call("GET", "/v1/auth/me");
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

// Auth limits logins per client address (10 per 10 minutes); behind one
// trusted proxy the client is the last X-Forwarded-For entry.
TEST_F(GatewayTest, RateLimitsSeeTheClientBehindATrustedProxy) {
  GatewayOptions options = Options();
  options.trusted_proxies = 1;
  StartGateway(options);
  const char* emails[] = {"admina@example.com", "adminb@example.com",
                          "usera@example.com", "userb@example.com",
                          "userc@example.com"};
  auto login = [&](const std::string& email, const std::string& client) {
    return Call("POST", "/v1/auth/login",
                absl::StrCat(R"({"email":")", email,
                             R"(","password":"demo123"})"),
                {{"X-Forwarded-For", "198.51.100.7, " + client}})
        .status;
  };
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(login(emails[i % 5], "203.0.113.1"), 200);
  }
  EXPECT_EQ(login("userd@example.com", "203.0.113.1"), 429);
  EXPECT_EQ(login("userd@example.com", "203.0.113.2"), 200);
}

TEST_F(GatewayTest, ForwardedForIsIgnoredWithoutTrustedProxies) {
  const char* emails[] = {"admina@example.com", "adminb@example.com",
                          "usera@example.com", "userb@example.com",
                          "userc@example.com"};
  for (int i = 0; i < 10; ++i) {
    Call("POST", "/v1/auth/login",
         absl::StrCat(R"({"email":")", emails[i % 5],
                      R"(","password":"demo123"})"),
         {{"X-Forwarded-For", absl::StrCat("203.0.113.", i)}});
  }
  EXPECT_EQ(Call("POST", "/v1/auth/login",
                 R"({"email":"userd@example.com","password":"demo123"})",
                 {{"X-Forwarded-For", "203.0.113.99"}})
                .status,
            429);
}

TEST_F(GatewayTest, OversizedBodyIs413) {
  const std::string body(1024 * 1024 + 1, ' ');
  TestResponse response = Call("POST", "/v1/auth/login", body);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GatewayTest, SmallerBodyLimitFromOptions) {
  GatewayOptions options = Options();
  options.max_body_bytes = 32;
  StartGateway(options);
  EXPECT_EQ(Call("POST", "/v1/auth/login", kUserLogin).status, 413);
}

TEST_F(GatewayTest, OversizedHeadersAre431) {
  TestResponse response =
      Call("GET", "/healthz", "", {{"X-Padding", std::string(20000, 'a')}});
  EXPECT_EQ(response.status, 431);
}

TEST_F(GatewayTest, MalformedHttpIs400AndCloses) {
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("NOT A REQUEST\r\n\r\n"), IsOk());
  absl::StatusOr<TestResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

TEST_F(GatewayTest, CookieRequestFromAForeignOriginIsRefused) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("POST", "/v1/auth/logout", "",
           {{"Cookie", "sid=" + sid}, {"Origin", kForeignOrigin}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::PERMISSION_DENIED);
  // The session survived the forged request.
  EXPECT_EQ(Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}}).status,
            200);
}

TEST_F(GatewayTest, CookieRequestFromAnAllowedOriginPasses) {
  const std::string sid = LoginCookie();
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "",
                 {{"Cookie", "sid=" + sid}, {"Origin", kAllowedOrigin}})
                .status,
            200);
}

// The web console the gateway serves itself posts with its own origin (the
// test client sends `Host: 127.0.0.1`).
TEST_F(GatewayTest, CookieRequestFromTheGatewaysOwnOriginPasses) {
  const std::string sid = LoginCookie();
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "",
                 {{"Cookie", "sid=" + sid}, {"Origin", "http://127.0.0.1"}})
                .status,
            200);
}

TEST_F(GatewayTest, OwnHostWithAnotherSchemeOrPortIsStillForeign) {
  const std::string sid = LoginCookie();
  for (const char* origin :
       {"https://127.0.0.1", "http://127.0.0.1:1",
        "http://127.0.0.1.evil.example", "http://evil.example"}) {
    EXPECT_EQ(Call("POST", "/v1/auth/logout", "",
                   {{"Cookie", "sid=" + sid}, {"Origin", origin}})
                  .status,
              403)
        << origin;
  }
  // A second Host header naming the attacker's origin does not help either.
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "",
                 {{"Cookie", "sid=" + sid},
                  {"Host", "evil.example"},
                  {"Origin", "http://evil.example"}})
                .status,
            403);
  EXPECT_EQ(Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}}).status,
            200);
}

// A foreign page cannot send a bearer token (its preflight is refused), so
// such a request is no browser's: refused all the same, as any other.
TEST_F(GatewayTest, BearerRequestFromAForeignOriginIsRefusedToo) {
  const std::string token = LoginToken("usera@example.com");
  EXPECT_EQ(
      Call("POST", "/v1/auth/logout", "",
           {{"Authorization", "Bearer " + token}, {"Origin", kForeignOrigin}})
          .status,
      403);
  EXPECT_EQ(Call("POST", "/v1/auth/logout", "",
                 {{"Authorization", "Bearer " + token}})
                .status,
            200);
}

TEST_F(GatewayTest, CorsPreflightForAnAllowedOrigin) {
  TestResponse response =
      Call("OPTIONS", "/v1/auth/logout", "",
           {{"Origin", kAllowedOrigin},
            {"Access-Control-Request-Method", "POST"},
            {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(response.Header("access-control-allow-origin"),
            std::optional<std::string>(kAllowedOrigin));
  EXPECT_EQ(response.Header("access-control-allow-credentials"),
            std::optional<std::string>("true"));
  EXPECT_THAT(response.Header("access-control-allow-methods"),
              Optional(HasSubstr("POST")));
  EXPECT_THAT(response.Header("access-control-allow-headers"),
              Optional(HasSubstr("Content-Type")));
}

TEST_F(GatewayTest, CorsPreflightForAForeignOriginIsRefused) {
  TestResponse response = Call(
      "OPTIONS", "/v1/auth/logout", "",
      {{"Origin", kForeignOrigin}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(response.status, 403);
  EXPECT_FALSE(response.Header("access-control-allow-origin").has_value());
}

TEST_F(GatewayTest, CorsHeadersOnlyForAllowedOrigins) {
  TestResponse allowed =
      Call("GET", "/v1/auth/me", "", {{"Origin", kAllowedOrigin}});
  EXPECT_EQ(allowed.Header("access-control-allow-origin"),
            std::optional<std::string>(kAllowedOrigin));
  EXPECT_EQ(allowed.Header("access-control-allow-credentials"),
            std::optional<std::string>("true"));
  EXPECT_EQ(allowed.Header("vary"), std::optional<std::string>("Origin"));
  TestResponse foreign =
      Call("GET", "/v1/auth/me", "", {{"Origin", kForeignOrigin}});
  EXPECT_FALSE(foreign.Header("access-control-allow-origin").has_value());
}

TEST_F(GatewayTest, QueryParametersFillRequestFields) {
  const std::string admin = LoginCookie(kAdminLogin);
  LoginCookie();
  LoginCookie(R"({"email":"userb@example.com","password":"demo123"})");
  // Auth's outbox delivers the login events to audit in the background.
  audit::v1::ListAuditEventsResponse page;
  TestResponse response;
  helpdesk::testing::WaitFor(
      [&] {
        response = Call("GET", "/v1/auditEvents?action=user.login&pageSize=2",
                        "", {{"Cookie", "sid=" + admin}});
        if (response.status != 200) return true;
        page = ParseJson<audit::v1::ListAuditEventsResponse>(response.body);
        return page.audit_events_size() == 2 && !page.next_page_token().empty();
      },
      absl::Seconds(5), absl::Milliseconds(50));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(page.audit_events_size(), 2);
  for (const auto& event : page.audit_events()) {
    EXPECT_EQ(event.action(), "user.login");
  }
  EXPECT_FALSE(page.next_page_token().empty());
}

TEST_F(GatewayTest, BadQueryValuesAre400) {
  const std::string admin = LoginCookie(kAdminLogin);
  const Headers cookie = {{"Cookie", "sid=" + admin}};
  EXPECT_EQ(Call("GET", "/v1/auditEvents?pageSize=many", "", cookie).status,
            400);
  EXPECT_EQ(
      Call("GET", "/v1/auditEvents?startTime=yesterday", "", cookie).status,
      400);
  EXPECT_EQ(Call("GET", "/v1/auditEvents?colour=red", "", cookie).status, 400);
  EXPECT_EQ(
      Call("GET", "/v1/auditEvents?startTime=2020-01-01T00:00:00Z", "", cookie)
          .status,
      200);
}

TEST_F(GatewayTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestHttpClient client(gateway_->port());
  auto login = client.Send("POST", "/v1/auth/login", kUserLogin,
                           {{"Content-Type", "application/json"}});
  ASSERT_THAT(login, IsOk());
  const std::string sid = CookieValue(*login);
  for (int i = 0; i < 5; ++i) {
    auto response =
        client.Send("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}});
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->status, 200);
  }
  auto missing = client.Send("GET", "/v1/missing");  // errors keep it too
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  auto health = client.Send("GET", "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
}

TEST_F(GatewayTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("GET /healthz HTTP/1.0\r\n\r\n"), IsOk());
  auto response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

TEST_F(GatewayTest, IdleConnectionsCostNoThread) {
  const int before = ThreadCount();
  std::vector<std::unique_ptr<TestHttpClient>> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(std::make_unique<TestHttpClient>(gateway_->port()));
    ASSERT_EQ(clients.back()->Send("GET", "/healthz")->status, 200);
  }
  EXPECT_LE(ThreadCount(), before + 2);
  // All 200 still work.
  for (auto& client : clients) {
    ASSERT_EQ(client->Send("GET", "/healthz")->status, 200);
  }
}

TEST_F(GatewayTest, SlowRequestIsCut) {
  GatewayOptions options = Options();
  options.request_timeout = absl::Milliseconds(300);
  StartGateway(options);
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"), IsOk());
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

TEST_F(GatewayTest, IdleKeepAliveConnectionIsClosed) {
  GatewayOptions options = Options();
  options.idle_timeout = absl::Milliseconds(300);
  StartGateway(options);
  TestHttpClient client(gateway_->port());
  ASSERT_EQ(client.Send("GET", "/healthz")->status, 200);
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

TEST_F(GatewayTest, RequestIdIsPassedOnOrMade) {
  TestResponse given =
      Call("GET", "/v1/auth/me", "", {{"X-Request-Id", "trace-me-42"}});
  EXPECT_EQ(given.Header("x-request-id"),
            std::optional<std::string>("trace-me-42"));
  TestResponse made = Call("GET", "/v1/auth/me");
  ASSERT_TRUE(made.Header("x-request-id").has_value());
  EXPECT_EQ(made.Header("x-request-id")->size(), 32u);
}

TEST_F(GatewayTest, HealthAndReadiness) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  cluster_->server(kAuth)->Shutdown(absl::ZeroDuration());
  EXPECT_EQ(Call("GET", "/readyz").status, 503);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(GatewayTest, DownBackendIs503) {
  cluster_->server(kAuth)->Shutdown(absl::ZeroDuration());
  TestResponse response = Call("GET", "/v1/auth/me");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayTest, ServiceWithoutBackendIs503) {
  gateway_.reset();
  auto gateway = Gateway::Start(
      Options(), BackendChannels{{"helpdesk.auth.v1.AuthService", backend_}});
  ASSERT_THAT(gateway, IsOk());
  gateway_ = std::move(*gateway);
  EXPECT_EQ(Call("GET", "/v1/auditEvents").status, 503);
  EXPECT_EQ(Call("GET", "/v1/auth/me").status, 401);
}

TEST_F(GatewayTest, RoutesFromADescriptorSetFile) {
  GatewayOptions options = Options();
  options.descriptor_set_path =
      absl::StrCat(std::getenv("TEST_SRCDIR"),
                   "/helpdesk/protos/helpdesk_descriptor_set.pb");
  StartGateway(options);
  const std::string sid = LoginCookie();
  TestResponse me = Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(ParseJson<auth::v1::User>(me.body).email(), "usera@example.com");
  EXPECT_EQ(Call("POST", "/v1/auth/login", R"({"email":1})").status, 400);
}

TEST_F(GatewayTest, MissingDescriptorSetFailsToStart) {
  GatewayOptions options = Options();
  options.descriptor_set_path = dir_.File("missing.pb");
  EXPECT_THAT(Gateway::Start(options, backend_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot read a FileDescriptorSet")));
}

TEST_F(GatewayTest, ShutdownClosesTheListener) {
  const int port = gateway_->port();
  gateway_->Shutdown(absl::Seconds(1));
  EXPECT_ANY_THROW(TestHttpClient client(port));
}

}  // namespace
}  // namespace helpdesk::gateway
