// ticket_server as its own process next to auth_server: the command-line
// contract, token resolution over gRPC with the shared credential, names
// from auth, and a clean SIGTERM exit.
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
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;

constexpr char kServiceToken[] = "split-service-token-0123456789abcdef0123";

int Port(Subprocess& process) {
  auto text = process.WaitForLine("grpc_port=", absl::Seconds(30));
  EXPECT_THAT(text, IsOk());
  int port = 0;
  EXPECT_TRUE(text.ok() && absl::SimpleAtoi(*text, &port));
  return port;
}

TEST(TicketServerTest, ServesTicketsWithAuthInAnotherProcess) {
  helpdesk::testing::TempDir dir;
  const std::string token_file = dir.File("service_token");
  std::ofstream(token_file) << kServiceToken;
  auto auth = Subprocess::Start(
      {RunfilePath("services/auth/auth_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file,
       "--audit_target=127.0.0.1:1", "--argon2_memory_kib=64",
       "--argon2_iterations=1"});
  ASSERT_THAT(auth, IsOk());
  const int auth_port = Port(**auth);
  auto tickets = Subprocess::Start(
      {RunfilePath("services/ticket/ticket_server"), "--port=0",
       "--data_dir=" + dir.File("data"), "--service_token_file=" + token_file,
       absl::StrCat("--auth_target=127.0.0.1:", auth_port),
       "--audit_target=127.0.0.1:1", "--jobs_target=127.0.0.1:1"});
  ASSERT_THAT(tickets, IsOk());
  const int ticket_port = Port(**tickets);

  auto auth_stub = auth::v1::AuthService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", auth_port),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext login_context;
  auth::v1::LoginRequest login;
  login.set_email("userc@example.com");
  login.set_password("demo123");
  auth::v1::LoginResponse session;
  ASSERT_TRUE(auth_stub->Login(&login_context, login, &session).ok());

  auto stub = tickets::v1::TicketService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", ticket_port),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + session.session_token());
  tickets::v1::CreateTicketRequest request;
  request.mutable_ticket()->set_title("Split mode works");
  request.mutable_ticket()->set_body("Created through ticket_server");
  tickets::v1::Ticket created;
  ASSERT_TRUE(stub->CreateTicket(&context, request, &created).ok());
  EXPECT_EQ(created.requester_name(), "User C");

  grpc::ClientContext anonymous;
  tickets::v1::ListTicketsResponse list;
  EXPECT_EQ(stub->ListTickets(&anonymous, {}, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  for (auto* process : {tickets->get(), auth->get()}) {
    process->Signal(SIGTERM);
    auto exit_code = process->Wait(absl::Seconds(30));
    ASSERT_THAT(exit_code, IsOk());
    EXPECT_EQ(*exit_code, 0);
  }
}

}  // namespace
}  // namespace helpdesk::ticket
