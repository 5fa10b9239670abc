#include "libs/auth/auth_interceptor.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "echo.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/auth/principal.h"
#include "libs/auth/token_resolver.h"
#include "libs/rpc/server.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::auth::v1::User;
using ::helpdesk::testing::EchoRequest;
using ::helpdesk::testing::EchoResponse;
using ::helpdesk::testing::EchoService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

constexpr char kServiceToken[] = "0123456789abcdef0123456789abcdef-service";

// Tokens known to the test: a stand-in for the auth store behind the
// resolver interface.
class TableResolver final : public TokenResolver {
 public:
  absl::StatusOr<Principal> Resolve(absl::string_view token) override {
    if (token == "auth-is-down") return absl::UnavailableError("auth down");
    auto it = principals.find(token);
    if (it == principals.end()) return absl::UnauthenticatedError("bad token");
    return it->second;
  }
  absl::flat_hash_map<std::string, Principal> principals;
};

// Reports what the handler sees. `text` selects the check:
// "signed-in", "admin", "internal", or "address".
class WhoAmIService final : public EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const EchoRequest* request,
                    EchoResponse* response) override {
    if (request->text() == "address") {
      response->set_text(ClientAddress(*context));
      return grpc::Status::OK;
    }
    if (request->text() == "internal") {
      return rpc::ToGrpcStatus(RequireServiceCaller(*context));
    }
    absl::StatusOr<Principal> principal =
        request->text() == "admin" ? RequireRole(*context, User::ADMIN)
                                   : RequireSignedIn(*context);
    if (!principal.ok()) return rpc::ToGrpcStatus(principal.status());
    response->set_text(absl::StrCat(principal->user_id, ":",
                                    User::Role_Name(principal->role)));
    return grpc::Status::OK;
  }
};

class AuthInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver_.principals["user-token"] = {7, User::USER};
    resolver_.principals["admin-token"] = {1, User::ADMIN};
    rpc::ServerOptions options;
    options.interceptors.push_back(
        std::make_unique<AuthInterceptorFactory>(&resolver_, kServiceToken));
    auto server = rpc::RpcServer::Start(std::move(options), {&service_});
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    stub_ = EchoService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  absl::StatusOr<std::string> Ask(
      const std::string& what,
      const std::vector<std::pair<std::string, std::string>>& metadata) {
    grpc::ClientContext context;
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    EchoRequest request;
    request.set_text(what);
    EchoResponse response;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->Echo(&context, request, &response));
    if (!status.ok()) return status;
    return response.text();
  }

  TableResolver resolver_;
  WhoAmIService service_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(AuthInterceptorTest, NoTokenIsUnauthenticated) {
  EXPECT_THAT(Ask("signed-in", {}),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthInterceptorTest, BearerTokenResolvesToThePrincipal) {
  auto who = Ask("signed-in", {{"authorization", "Bearer user-token"}});
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(*who, "7:USER");
}

TEST_F(AuthInterceptorTest, SchemeIsCaseInsensitive) {
  auto who = Ask("signed-in", {{"authorization", "bearer admin-token"}});
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(*who, "1:ADMIN");
}

TEST_F(AuthInterceptorTest, UnreachableAuthIsUnavailableNotUnauthenticated) {
  EXPECT_THAT(Ask("signed-in", {{"authorization", "Bearer auth-is-down"}}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Ask("signed-in", {{kAuthUnavailableKey, "1"}}),
              StatusIs(absl::StatusCode::kUnauthenticated))
      << "a client cannot set the marker";
}

TEST_F(AuthInterceptorTest, UnknownTokenIsUnauthenticated) {
  EXPECT_THAT(Ask("signed-in", {{"authorization", "Bearer forged"}}),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthInterceptorTest, OtherSchemesAreIgnored) {
  EXPECT_THAT(Ask("signed-in", {{"authorization", "Basic user-token"}}),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthInterceptorTest, ClientCannotForgeThePrincipalMetadata) {
  EXPECT_THAT(Ask("admin", {{kPrincipalKey, "1:2"}}),
              StatusIs(absl::StatusCode::kUnauthenticated));
  auto who = Ask("signed-in", {{"authorization", "Bearer user-token"},
                               {kPrincipalKey, "1:2"}});
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(*who, "7:USER");
}

TEST_F(AuthInterceptorTest, UserIsDeniedAnAdminAction) {
  EXPECT_THAT(Ask("admin", {{"authorization", "Bearer user-token"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuthInterceptorTest, InternalCallNeedsTheServiceToken) {
  EXPECT_THAT(Ask("internal", {}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Ask("internal", {{kServiceTokenKey, "wrong"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Ask("internal", {{"authorization", "Bearer admin-token"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Ask("internal", {{kServiceTokenKey, kServiceToken}}), IsOk());
  EXPECT_THAT(Ask("internal", {{kCallerKey, "service"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuthInterceptorTest, RelayedClientCallsAreNotInternal) {
  // What the gateway sends for an anonymous browser: the credential plus the
  // client's address. It must not open internal RPCs or service bypasses.
  EXPECT_THAT(Ask("internal", {{kServiceTokenKey, kServiceToken},
                               {kForwardedForKey, "203.0.113.9"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuthInterceptorTest, ForwardedForIsTrustedOnlyFromServices) {
  auto direct = Ask("address", {{kForwardedForKey, "203.0.113.9"}});
  ASSERT_THAT(direct, IsOk());
  EXPECT_EQ(*direct, "127.0.0.1");
  auto forwarded = Ask("address", {{kForwardedForKey, "203.0.113.9"},
                                   {kServiceTokenKey, kServiceToken}});
  ASSERT_THAT(forwarded, IsOk());
  EXPECT_EQ(*forwarded, "203.0.113.9");
}

}  // namespace
}  // namespace helpdesk::auth
