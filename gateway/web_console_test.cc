// The web console as a browser fetches it: the real gateway over real HTTP
// (no backends: the files need none), next to the API's own answers.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/gateway.h"
#include "gateway/static_files.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::gateway::testing::TestResponse;
using ::helpdesk::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Headers = std::vector<std::pair<std::string, std::string>>;

class WebConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(GatewayOptions()); }

  void Start(GatewayOptions options) {
    gateway_.reset();
    auto gateway = Gateway::Start(std::move(options), BackendChannels());
    ASSERT_THAT(gateway, IsOk());
    gateway_ = std::move(*gateway);
  }

  TestResponse Call(const std::string& method, const std::string& target,
                    const Headers& headers = {}) {
    TestHttpClient client(gateway_->port());
    absl::StatusOr<TestResponse> response =
        client.Send(method, target, "", headers);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : TestResponse{};
  }

  std::unique_ptr<Gateway> gateway_;
};

TEST_F(WebConsoleTest, RootIsTheConsolePage) {
  TestResponse response = Call("GET", "/");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"),
            std::optional<std::string>("text/html; charset=utf-8"));
  EXPECT_THAT(response.body, HasSubstr("<!doctype html>"));
  EXPECT_TRUE(response.Header("x-request-id").has_value());
}

TEST_F(WebConsoleTest, StylesAndModulesHaveTheirTypes) {
  EXPECT_EQ(Call("GET", "/app.css").Header("content-type"),
            std::optional<std::string>("text/css; charset=utf-8"));
  EXPECT_EQ(Call("GET", "/js/app.js").Header("content-type"),
            std::optional<std::string>("text/javascript; charset=utf-8"));
}

TEST_F(WebConsoleTest, StrictSecurityHeaders) {
  TestResponse response = Call("GET", "/");
  EXPECT_EQ(response.Header("content-security-policy"),
            std::optional<std::string>(StaticFiles::kContentSecurityPolicy));
  EXPECT_EQ(response.Header("x-content-type-options"),
            std::optional<std::string>("nosniff"));
  EXPECT_EQ(response.Header("referrer-policy"),
            std::optional<std::string>("no-referrer"));
  EXPECT_EQ(response.Header("cache-control"),
            std::optional<std::string>("no-cache"));
}

TEST_F(WebConsoleTest, RevalidationWithTheEtagIsNotModified) {
  TestResponse first = Call("GET", "/app.css");
  std::optional<std::string> etag = first.Header("etag");
  ASSERT_TRUE(etag.has_value());
  TestResponse again = Call("GET", "/app.css", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_THAT(again.body, IsEmpty());
  EXPECT_EQ(again.Header("etag"), etag);
}

TEST_F(WebConsoleTest, HeadAnswersWithoutABody) {
  TestResponse response = Call("HEAD", "/");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, IsEmpty());
  EXPECT_TRUE(response.Header("etag").has_value());
}

TEST_F(WebConsoleTest, UnknownApiPathsKeepTheJsonNotFound) {
  TestResponse response = Call("GET", "/v1/nothing-here");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"),
            std::optional<std::string>("application/json"));
  EXPECT_THAT(response.body, HasSubstr("\"code\":5"));
}

TEST_F(WebConsoleTest, HealthStaysJson) {
  TestResponse response = Call("GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"),
            std::optional<std::string>("application/json"));
}

TEST_F(WebConsoleTest, PathTraversalIsRefused) {
  for (const char* target :
       {"/../etc/passwd", "/js/../../etc/passwd", "/%2e%2e/etc/passwd"}) {
    TestResponse response = Call("GET", target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_THAT(response.body, Not(HasSubstr("root:"))) << target;
  }
}

TEST_F(WebConsoleTest, UnknownFilesAre404AppRoutesThePage) {
  EXPECT_EQ(Call("GET", "/missing.js").status, 404);
  TestResponse route = Call("GET", "/tickets");
  EXPECT_EQ(route.status, 200);
  EXPECT_THAT(route.body, HasSubstr("<!doctype html>"));
}

TEST_F(WebConsoleTest, StateChangingMethodsGoToTheApi) {
  TestResponse response = Call("POST", "/");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"),
            std::optional<std::string>("application/json"));
}

TEST_F(WebConsoleTest, CanBeTurnedOff) {
  GatewayOptions options;
  options.serve_web_console = false;
  Start(std::move(options));
  TestResponse response = Call("GET", "/");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"),
            std::optional<std::string>("application/json"));
}

}  // namespace
}  // namespace helpdesk::gateway
