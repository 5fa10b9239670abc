// The small policies of the gateway: session cookie, client address,
// origins (CORS/CSRF), URL decoding, request parsing and the gRPC -> HTTP
// error mapping.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/client_address.h"
#include "gateway/error_mapping.h"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "gateway/origin_policy.h"
#include "gateway/session_cookie.h"
#include "gateway/url.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

TEST(SessionCookieTest, FindsTheCookieAmongOthers) {
  EXPECT_THAT(FindCookie("theme=dark; sid=abc-_123; lang=en", "sid"),
              Optional(std::string("abc-_123")));
  EXPECT_THAT(FindCookie("sid=\"quoted\"", "sid"),
              Optional(std::string("quoted")));
  EXPECT_EQ(FindCookie("xsid=1; sidx=2", "sid"), std::nullopt);
  EXPECT_EQ(FindCookie("sid=", "sid"), std::nullopt);
  EXPECT_EQ(FindCookie("sid=a b", "sid"), std::nullopt);
  EXPECT_EQ(FindCookie("sid=a\\b", "sid"), std::nullopt);
}

TEST(SessionCookieTest, SetAndClear) {
  EXPECT_EQ(SessionCookie("tok", 1800, false),
            "sid=tok; Path=/; Max-Age=1800; HttpOnly; SameSite=Lax");
  EXPECT_EQ(SessionCookie("tok", -5, true),
            "sid=tok; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
  EXPECT_EQ(ExpiredSessionCookie(false),
            "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST(ClientAddressTest, WithoutTrustedProxiesThePeerIsTheClient) {
  EXPECT_EQ(ClientAddress("10.0.0.9", {"1.2.3.4"}, 0), "10.0.0.9");
}

TEST(ClientAddressTest, TrustedHopsAreSkippedFromTheRight) {
  // client 1.2.3.4 -> proxy A (5.6.7.8) -> proxy B (peer 10.0.0.9)
  const std::vector<std::string> xff = {"9.9.9.9, 1.2.3.4", "5.6.7.8"};
  EXPECT_EQ(ClientAddress("10.0.0.9", xff, 1), "5.6.7.8");
  EXPECT_EQ(ClientAddress("10.0.0.9", xff, 2), "1.2.3.4");
  EXPECT_EQ(ClientAddress("10.0.0.9", xff, 3), "9.9.9.9");
  EXPECT_EQ(ClientAddress("10.0.0.9", xff, 9), "9.9.9.9");
  EXPECT_EQ(ClientAddress("10.0.0.9", {}, 1), "10.0.0.9");
  EXPECT_EQ(ClientAddress("10.0.0.9", {"2001:db8::1"}, 1), "2001:db8::1");
}

TEST(ClientAddressTest, GarbageEntriesFallBackToThePeer) {
  EXPECT_EQ(ClientAddress("10.0.0.9", {"evil; drop"}, 1), "10.0.0.9");
}

TEST(ClientAddressTest, ConnectionLimitKeyIsTheIpv4AddressOrTheIpv6Slash64) {
  EXPECT_EQ(ConnectionLimitKey("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(ConnectionLimitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(ConnectionLimitKey("2001:db8:1:2::1"),
            ConnectionLimitKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(ConnectionLimitKey("2001:db8:1:2::1"),
            ConnectionLimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(ConnectionLimitKey("::1"), "::/64");
}

HttpRequest Request(const std::string& method,
                    std::vector<HttpHeader> headers) {
  HttpRequest request;
  request.method = method;
  request.target = "/v1/auth/logout";
  request.headers = std::move(headers);
  return request;
}

TEST(OriginPolicyTest, CsrfForStateChangingRequestsFromOtherOrigins) {
  OriginPolicy policy({"https://app.example.com/"});
  for (const char* method : {"POST", "PATCH", "PUT", "DELETE"}) {
    EXPECT_TRUE(policy.IsCrossSiteStateChange(
        Request(method, {{"origin", "https://evil.example"}})))
        << method;
  }
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("GET", {{"origin", "https://evil.example"}})));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("POST", {{"origin", "https://app.example.com"}})));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(Request("POST", {})));
  EXPECT_TRUE(
      policy.IsCrossSiteStateChange(Request("PATCH", {{"origin", "null"}})));
  // Two Origins: no browser sends that.
  EXPECT_TRUE(policy.IsCrossSiteStateChange(
      Request("POST", {{"origin", "https://app.example.com"},
                       {"origin", "https://evil.example"}})));
}

TEST(OriginPolicyTest, WithoutOriginFetchMetadataDecides) {
  OriginPolicy policy({"https://app.example.com"});
  EXPECT_TRUE(policy.IsCrossSiteStateChange(
      Request("POST", {{"sec-fetch-site", "cross-site"}})));
  EXPECT_TRUE(policy.IsCrossSiteStateChange(
      Request("DELETE", {{"sec-fetch-site", " Cross-Site "}})));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("POST", {{"sec-fetch-site", "same-origin"}})));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("POST", {{"sec-fetch-site", "none"}})));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("GET", {{"sec-fetch-site", "cross-site"}})));
  // An allowed Origin wins over what Fetch Metadata says.
  EXPECT_FALSE(policy.IsCrossSiteStateChange(
      Request("POST", {{"origin", "https://app.example.com"},
                       {"sec-fetch-site", "cross-site"}})));
}

TEST(OriginPolicyTest, OwnOriginIsSameOriginNotAllowListed) {
  OriginPolicy policy({"https://app.example.com"});
  const HttpRequest own = Request(
      "POST",
      {{"host", "desk.example:8080"}, {"origin", "http://desk.example:8080"}});
  EXPECT_TRUE(policy.IsSameOrigin(own, "http://desk.example:8080"));
  EXPECT_TRUE(policy.IsSameOrigin(own, "http://DESK.example:8080"));
  EXPECT_FALSE(policy.IsCrossSiteStateChange(own));
  EXPECT_FALSE(policy.IsAllowed("http://desk.example:8080"));  // no CORS
  EXPECT_FALSE(policy.IsSameOrigin(own, "https://desk.example:8080"));
  EXPECT_FALSE(policy.IsSameOrigin(own, "http://desk.example"));
  EXPECT_FALSE(policy.IsSameOrigin(own, "http://desk.example:8080/"));
  EXPECT_FALSE(policy.IsSameOrigin(own, "http://desk.example:8080.evil"));
  EXPECT_TRUE(policy.IsCrossSiteStateChange(Request(
      "POST",
      {{"host", "desk.example:8080"}, {"origin", "http://evil.example"}})));
  // Two Host headers: ambiguous, so not the same origin.
  EXPECT_FALSE(policy.IsSameOrigin(
      Request("POST", {{"host", "evil.example"}, {"host", "desk.example"}}),
      "http://evil.example"));
  // Without a Host there is nothing to be the same as.
  EXPECT_FALSE(policy.IsSameOrigin(Request("POST", {}), "http://"));
  EXPECT_TRUE(policy.IsCrossSiteStateChange(
      Request("POST", {{"origin", "http://desk.example:8080"}})));
}

TEST(OriginPolicyTest, BehindTlsTheOwnOriginIsHttps) {
  OriginPolicy policy({}, "https");
  const HttpRequest request = Request("POST", {{"host", "desk.example"}});
  EXPECT_TRUE(policy.IsSameOrigin(request, "https://desk.example"));
  EXPECT_FALSE(policy.IsSameOrigin(request, "http://desk.example"));
}

TEST(OriginPolicyTest, PreflightAnswers) {
  OriginPolicy policy({"https://app.example.com"});
  HttpRequest preflight =
      Request("OPTIONS", {{"origin", "https://app.example.com"},
                          {"access-control-request-method", "PATCH"}});
  ASSERT_TRUE(OriginPolicy::IsPreflight(preflight));
  HttpResponse response = policy.AnswerPreflight(preflight);
  EXPECT_EQ(response.status, 204);
  preflight.headers[0].value = "https://evil.example";
  EXPECT_EQ(policy.AnswerPreflight(preflight).status, 403);
  EXPECT_FALSE(OriginPolicy::IsPreflight(Request("OPTIONS", {})));
}

TEST(UrlTest, QueryStringDecoding) {
  auto params = ParseQueryString("a=1&b=x+y%21&&c&d=%E2%9C%93");
  ASSERT_TRUE(params.ok());
  ASSERT_EQ(params->size(), 4u);
  EXPECT_EQ((*params)[1].second, "x y!");
  EXPECT_EQ((*params)[2].first, "c");
  EXPECT_EQ((*params)[2].second, "");
  EXPECT_EQ((*params)[3].second, "\xE2\x9C\x93");
  EXPECT_EQ(ParseQueryString("a=%4").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string out;
  EXPECT_TRUE(PercentDecode("a%2Fb", true, &out));
  EXPECT_EQ(out, "a%2Fb");
}

// Found by tests/fuzz: a name is quoted back in the error, and protobuf
// logged an error for every such answer.
TEST(UrlTest, QueryParameterNamesMustBeUtf8ValuesAreLeftToTheirField) {
  EXPECT_THAT(ParseQueryString("page%FFSize=1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseQueryString("caf%C3%A9=1"), IsOk());
  EXPECT_THAT(ParseQueryString("query=%FF"), IsOk());
}

TEST(HttpParseTest, RequestTargetMustBeUtf8) {
  ParsedHttpRequest parsed = ParseHttpRequest(
      "GET /v1/nothing\xff HTTP/1.1\r\nHost: x\r\n\r\n", HttpServerOptions());
  EXPECT_EQ(parsed.outcome, ParsedHttpRequest::Outcome::kRefused);
  EXPECT_EQ(parsed.refusal_status, 400);
  parsed = ParseHttpRequest(
      "GET /v1/tickets?query=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
      HttpServerOptions());
  ASSERT_EQ(parsed.outcome, ParsedHttpRequest::Outcome::kRequest);
  EXPECT_EQ(parsed.request.query(), "query=caf\xc3\xa9");
}

TEST(ErrorMappingTest, CodesMapAsGrpcGatewayMapsThem) {
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::CANCELLED), 499);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::UNKNOWN), 500);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::ALREADY_EXISTS), 409);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::OUT_OF_RANGE), 400);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::DATA_LOSS), 500);
  EXPECT_EQ(HttpStatusFromCode(grpc::StatusCode::UNAUTHENTICATED), 401);
}

TEST(ErrorMappingTest, RetryAfterFromRetryInfoRoundedUp) {
  HttpError error = ErrorFromStatus(
      ResourceExhaustedRetryAfter("slow down", absl::Milliseconds(2500)));
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after_seconds, 3);
  EXPECT_THAT(error.json_body, HasSubstr(R"("code":8)"));
  EXPECT_THAT(error.json_body, HasSubstr("google.rpc.RetryInfo"));
}

TEST(ErrorMappingTest, RetryAfterFromTheTrailerWithoutRetryInfo) {
  HttpError error = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy"), "7");
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after_seconds, 7);
}

TEST(ErrorMappingTest, RateLimitFromABackendIs429) {
  HttpError error = ErrorFromGrpc(rpc::ToGrpcStatus(
      ResourceExhaustedRetryAfter("too many attempts", absl::Seconds(30))));
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after_seconds, 30);
  EXPECT_THAT(error.json_body, HasSubstr(R"("message":"too many attempts")"));
}

// gRPC's own RESOURCE_EXHAUSTED (message size limits, ...) says nothing of
// when to retry: it is no rate limit, and not "too many attempts".
TEST(ErrorMappingTest, ResourceExhaustedWithoutRetryInfoIs500) {
  HttpError error = ErrorFromGrpc(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "Received message larger than max (5000000 vs. 4194304)"));
  EXPECT_EQ(error.http_status, 500);
  EXPECT_EQ(error.retry_after_seconds, std::nullopt);
  EXPECT_THAT(error.json_body, HasSubstr(R"("code":8)"));
  EXPECT_THAT(error.json_body, HasSubstr("not a rate limit"));
  EXPECT_THAT(error.json_body, HasSubstr("Received message larger than max"));
}

TEST(ErrorMappingTest, BodyIsAGoogleRpcStatus) {
  HttpError error = ErrorFromStatus(
      InvalidArgumentWithViolations("bad", {{"ticket.title", "too long"}}));
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.json_body,
            R"({"code":3,"message":"bad","details":[{"@type":)"
            R"("type.googleapis.com/google.rpc.BadRequest","fieldViolations":)"
            R"([{"field":"ticket.title","description":"too long"}]}]})");
}

TEST(ErrorMappingTest, UnknownDetailTypesAreDropped) {
  google::rpc::Status status;
  status.set_code(5);
  status.add_details()->set_type_url("type.googleapis.com/no.Such");
  HttpError error = ErrorFromGrpc(grpc::Status(
      grpc::StatusCode::NOT_FOUND, "gone", status.SerializeAsString()));
  EXPECT_EQ(error.json_body, R"({"code":5,"message":"gone","details":[]})");
}

TEST(ErrorMappingTest, ExplicitHttpStatusForGatewayErrors) {
  HttpError error =
      ErrorFromStatus(absl::ResourceExhaustedError("too big"), 413);
  EXPECT_EQ(error.http_status, 413);
  EXPECT_EQ(error.json_body, R"({"code":8,"message":"too big","details":[]})");
}

}  // namespace
}  // namespace helpdesk::gateway
