// The auth_server binary's command-line contract: flags, the grpc_port line,
// the shared service credential from a file, and a clean SIGTERM exit.
#include <signal.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::Subprocess;

constexpr char kServiceToken[] = "file-service-token-0123456789abcdef0123";

TEST(AuthServerTest, ServesWithTheSharedCredentialAndStopsOnSigterm) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << kServiceToken << "\n";

  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/auth/auth_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file,
       "--audit_target=127.0.0.1:1", "--argon2_memory_kib=64",
       "--argon2_iterations=1"});
  ASSERT_THAT(process, IsOk());
  auto port_text = (*process)->WaitForLine("grpc_port=", absl::Seconds(30));
  ASSERT_THAT(port_text, IsOk());
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*port_text, &port));
  auto stub = v1::AuthService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  v1::LoginRequest login;
  login.set_email("usera@example.com");
  login.set_password("demo123");
  v1::LoginResponse session;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->Login(&context, login, &session).ok());
  }
  v1::AuthenticateRequest authenticate;
  authenticate.set_session_token(session.session_token());
  v1::AuthenticateResponse principal;
  {
    grpc::ClientContext context;
    context.AddMetadata(kServiceTokenKey, "some-other-secret");
    EXPECT_EQ(
        stub->Authenticate(&context, authenticate, &principal).error_code(),
        grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata(kServiceTokenKey, kServiceToken);
    ASSERT_TRUE(stub->Authenticate(&context, authenticate, &principal).ok());
    EXPECT_EQ(principal.user_id(), session.user().id());
  }

  (*process)->Signal(SIGTERM);
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
}

TEST(AuthServerTest, RefusesAWeakServiceTokenFile) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << "short";
  auto process = Subprocess::Start(
      {helpdesk::testing::RunfilePath("services/auth/auth_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file});
  ASSERT_THAT(process, IsOk());
  auto exit_code = (*process)->Wait(absl::Seconds(30));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 1);
}

}  // namespace
}  // namespace helpdesk::auth
