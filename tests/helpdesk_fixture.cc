#include "tests/helpdesk_fixture.h"

#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/strings/str_cat.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/auth/principal.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::testing {

void HelpdeskFixture::SetUp() {
  auth::AuthComponentOptions auth_options;
  auth_options.data_dir = dir_.path().string();
  auth_options.service_token = kServiceToken;
  auth_options.service.argon2 = {64, 1, 1};
  auth_options.service.page_token_key = "page-key";
  auto auth = auth::AuthComponent::Create(auth_options, &clock_);
  ASSERT_THAT(auth, IsOk());
  auth_ = std::move(*auth);

  auto audit = audit::AuditComponent::Create(
      {dir_.path().string(), kServiceToken, "page-key"}, &clock_);
  ASSERT_THAT(audit, IsOk());
  audit_ = std::move(*audit);

  ticket::TicketComponentOptions ticket_options;
  ticket_options.data_dir = dir_.path().string();
  ticket_options.service_token = kServiceToken;
  ticket_options.service.page_token_key = "page-key";
  ticket_options.service.rate_limits = ticket_rate_limits_;
  auto tickets = ticket::TicketComponent::Create(ticket_options, &clock_);
  ASSERT_THAT(tickets, IsOk());
  tickets_ = std::move(*tickets);

  rpc::ServerOptions options;
  options.interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(
      auth_->token_resolver(), kServiceToken));
  auto server = rpc::RpcServer::Start(
      std::move(options),
      {auth_->service(), audit_->service(), tickets_->service()});
  ASSERT_THAT(server, IsOk());
  server_ = std::move(*server);
  auto internal = server_->InProcessChannel();
  ASSERT_THAT(auth_->StartBackgroundWork(internal), IsOk());
  ASSERT_THAT(tickets_->StartBackgroundWork({internal, internal, internal}),
              IsOk());
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                 grpc::InsecureChannelCredentials());
}

void HelpdeskFixture::TearDown() {
  if (tickets_ != nullptr) tickets_->StopBackgroundWork();
  if (auth_ != nullptr) auth_->StopBackgroundWork();
  if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
  tickets_.reset();
  auth_.reset();
  audit_.reset();
}

std::string HelpdeskFixture::Login(const std::string& email) {
  auto stub = auth::v1::AuthService::NewStub(channel_);
  grpc::ClientContext context;
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password("demo123");
  auth::v1::LoginResponse response;
  EXPECT_TRUE(stub->Login(&context, request, &response).ok()) << email;
  return response.session_token();
}

void HelpdeskFixture::Authorize(grpc::ClientContext& context,
                                const std::string& token, bool as_service) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (as_service) context.AddMetadata(auth::kServiceTokenKey, kServiceToken);
}

void HelpdeskFixture::DeliverOutboxes() {
  for (int round = 0; round < 3; ++round) {
    ASSERT_THAT(auth_->relay()->RunOnce(), IsOk());
    ASSERT_THAT(tickets_->relay()->RunOnce(), IsOk());
  }
}

int64_t HelpdeskFixture::OutboxRows(const std::string& database,
                                    const std::string& where) {
  SQLite::Database db(dir_.File(database), SQLite::OPEN_READONLY, 10'000);
  return db
      .execAndGet(absl::StrCat("SELECT COUNT(*) FROM outbox",
                               where.empty() ? "" : " WHERE ", where))
      .getInt64();
}

std::vector<std::string> HelpdeskFixture::OutboxPayloads(
    const std::string& database, const std::string& destination) {
  SQLite::Database db(dir_.File(database), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement query(
      db, "SELECT payload FROM outbox WHERE destination = ? ORDER BY id");
  query.bind(1, destination);
  std::vector<std::string> payloads;
  while (query.executeStep()) {
    SQLite::Column blob = query.getColumn(0);
    payloads.emplace_back(static_cast<const char*>(blob.getBlob()),
                          static_cast<size_t>(blob.getBytes()));
  }
  return payloads;
}

}  // namespace helpdesk::testing
