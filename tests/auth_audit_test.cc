// Auth's outbox delivering to the real audit service: every sign-up, login
// and logout lands exactly once, also when audit was down meanwhile and when
// a relay re-sends rows it had already delivered (crash before delete).
#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/free_port.h"
#include "libs/testing/temp_dir.h"
#include "libs/testing/wait_for.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"

namespace helpdesk {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::WaitFor;
using ::testing::UnorderedElementsAre;

constexpr char kServiceToken[] = "integration-token-0123456789abcdef";
// The relay writes to auth.db from its own thread while the test peeks.
constexpr int kBusyTimeoutMs = 10'000;

class AuthAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Audit's port is known before audit runs: it starts "down".
    audit_port_ = helpdesk::testing::PickUnusedPort();
    audit_channel_ =
        clients::PeerChannel(absl::StrCat("127.0.0.1:", audit_port_));
    StartAuth();
    ASSERT_THAT(auth_->Start(), IsOk());
  }

  void StartAuth() {
    auth::AuthComponentOptions options;
    options.storage.data_dir = dir_.path().string();
    options.service_token = kServiceToken;
    options.service.argon2 = {64, 1, 1};
    options.service.page_token_key = "k";
    rpc::Peers peers;
    peers.audit = audit_channel_;
    auto auth = auth::AuthComponent::Create(options, &clock_, peers);
    ASSERT_THAT(auth, IsOk());
    auth_ = std::move(*auth);
    rpc::Component* components[] = {auth_.get()};
    auto server = rpc::StartComponentServer(
        {}, components, auth_->token_resolver(), kServiceToken);
    ASSERT_THAT(server, IsOk());
    auth_server_ = std::move(*server);
    auth_stub_ = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", auth_server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Audit resolves tokens through auth over gRPC, as audit_server does.
  void StartAudit(int port) {
    auth_client_ = std::make_unique<clients::AuthClient>(clients::PeerOptions{
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", auth_server_->port()),
                            grpc::InsecureChannelCredentials()),
        kServiceToken});
    auto audit = audit::AuditComponent::Create(
        {{.data_dir = dir_.path().string()}, kServiceToken, "page-key"},
        &clock_);
    ASSERT_THAT(audit, IsOk());
    audit_ = std::move(*audit);
    // A port just released may take the kernel a moment to free.
    absl::StatusOr<std::unique_ptr<rpc::RpcServer>> server;
    WaitFor(
        [&] {
          rpc::ServerOptions options;
          options.port = port;
          rpc::Component* components[] = {audit_.get()};
          server = rpc::StartComponentServer(std::move(options), components,
                                             auth_client_.get(), kServiceToken);
          return server.ok();
        },
        absl::Seconds(2), absl::Milliseconds(20));
    ASSERT_THAT(server, IsOk());
    audit_server_ = std::move(*server);
    // The relay's channel reconnects on its own; don't race it.
    ASSERT_TRUE(audit_channel_->WaitForConnected(
        absl::ToChronoTime(absl::Now() + absl::Seconds(30))));
  }

  void StopAudit() {
    audit_server_.reset();
    audit_.reset();
  }

  // Delivers what is due now, then moves past any backoff and retries.
  void DeliverOutbox() {
    for (int round = 0; round < 3; ++round) {
      ASSERT_THAT(auth_->relay()->RunOnce(), IsOk());
      clock_.Advance(absl::Minutes(2));
    }
  }

  std::string Login(const std::string& email, const std::string& password) {
    grpc::ClientContext context;
    auth::v1::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    auth::v1::LoginResponse response;
    EXPECT_TRUE(auth_stub_->Login(&context, request, &response).ok());
    return response.session_token();
  }

  void RegisterLoginLogout() {
    {
      grpc::ClientContext context;
      auth::v1::RegisterRequest request;
      request.set_email("traced@example.com");
      request.set_name("Traced");
      request.set_password("long enough password");
      auth::v1::User user;
      ASSERT_TRUE(auth_stub_->Register(&context, request, &user).ok());
      user_id_ = user.id();
    }
    const std::string token =
        Login("traced@example.com", "long enough password");
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::LogoutResponse response;
    ASSERT_TRUE(auth_stub_->Logout(&context, {}, &response).ok());
  }

  // The audit trail of the traced user, as an admin sees it.
  std::vector<std::string> TracedActions() {
    const std::string admin = Login("admina@example.com", "demo123");
    auto stub = audit::v1::AuditService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", audit_port_),
                            grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin);
    audit::v1::ListAuditEventsRequest request;
    request.set_actor_id(user_id_);
    audit::v1::ListAuditEventsResponse response;
    EXPECT_TRUE(stub->ListAuditEvents(&context, request, &response).ok());
    std::vector<std::string> actions;
    for (const auto& event : response.audit_events()) {
      actions.push_back(event.action());
    }
    return actions;
  }

  int64_t OutboxRows() {
    SQLite::Database db(dir_.File("auth.db"), SQLite::OPEN_READONLY,
                        kBusyTimeoutMs);
    return db.execAndGet("SELECT COUNT(*) FROM outbox").getInt64();
  }

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<rpc::RpcServer> auth_server_;
  std::unique_ptr<auth::v1::AuthService::Stub> auth_stub_;
  std::unique_ptr<clients::AuthClient> auth_client_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<rpc::RpcServer> audit_server_;
  int audit_port_ = 0;
  std::shared_ptr<grpc::Channel> audit_channel_;
  int64_t user_id_ = 0;
};

TEST_F(AuthAuditTest, EventsWaitWhileAuditIsDownAndArriveOnceItIsBack) {
  RegisterLoginLogout();
  DeliverOutbox();
  EXPECT_EQ(OutboxRows(), 3) << "audit is down: nothing may be lost";

  StartAudit(audit_port_);
  DeliverOutbox();
  EXPECT_EQ(OutboxRows(), 0);
  EXPECT_THAT(
      TracedActions(),
      UnorderedElementsAre("user.registered", "user.login", "user.logout"));
}

TEST_F(AuthAuditTest, RedeliveryAfterARelayRestartRecordsNothingTwice) {
  RegisterLoginLogout();  // audit is down: the rows stay in the outbox
  // Keep a copy of the outbox rows, deliver them, then put them back as a
  // relay that crashed between delivery and delete would leave them.
  {
    SQLite::Database db(dir_.File("auth.db"), SQLite::OPEN_READWRITE,
                        kBusyTimeoutMs);
    db.exec("CREATE TABLE outbox_copy AS SELECT * FROM outbox");
    ASSERT_EQ(db.execAndGet("SELECT COUNT(*) FROM outbox_copy").getInt(), 3);
  }
  StartAudit(audit_port_);
  DeliverOutbox();
  ASSERT_EQ(OutboxRows(), 0);
  {
    SQLite::Database db(dir_.File("auth.db"), SQLite::OPEN_READWRITE,
                        kBusyTimeoutMs);
    db.exec("INSERT INTO outbox SELECT * FROM outbox_copy");
  }
  auth_server_.reset();
  auth_.reset();  // the relay stops; a new process starts on the same file
  StartAuth();
  ASSERT_THAT(auth_->Start(), IsOk());
  StopAudit();
  StartAudit(audit_port_);  // audit resolves tokens through the new auth
  DeliverOutbox();
  EXPECT_EQ(OutboxRows(), 0);
  EXPECT_THAT(
      TracedActions(),
      UnorderedElementsAre("user.registered", "user.login", "user.logout"));
}

}  // namespace
}  // namespace helpdesk
