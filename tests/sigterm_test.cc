// SIGTERM under load (all-in-one helpdeskd): calls in flight finish, calls
// after the signal are refused cleanly (never an internal error), and after
// a restart on the same data every ticket whose creation was confirmed is
// there with exactly one audit event. On both storage engines.
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/wait_for.h"

namespace helpdesk {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;
using ::helpdesk::testing::WaitFor;

class Daemon {
 public:
  Daemon(const std::string& data_dir, const std::string& database_url) {
    std::vector<std::string> argv = {
        RunfilePath("services/helpdeskd/helpdeskd"),
        "--data_dir=" + data_dir,
        "--grpc_port=0",
        "--http_port=0",
        "--rate_limits=false",
        "--shutdown_grace=10s"};
    if (!database_url.empty()) argv.push_back("--database_url=" + database_url);
    auto process = Subprocess::Start(argv);
    EXPECT_THAT(process, IsOk());
    process_ = std::move(*process);
    auto port = process_->WaitForLine("grpc_port=", absl::Seconds(60));
    EXPECT_THAT(port, IsOk());
    EXPECT_TRUE(port.ok() && absl::SimpleAtoi(*port, &port_));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
  }

  std::string Login(const std::string& email) {
    auto stub = auth::v1::AuthService::NewStub(channel_);
    grpc::ClientContext context;
    auth::v1::LoginRequest request;
    request.set_email(email);
    request.set_password("demo123");
    auth::v1::LoginResponse response;
    EXPECT_TRUE(stub->Login(&context, request, &response).ok());
    return response.session_token();
  }

  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

class SigtermTest : public helpdesk::testing::EngineTest {};
HELPDESK_INSTANTIATE_ENGINES(SigtermTest);

TEST_P(SigtermTest, InFlightCallsFinishAndNothingConfirmedIsLost) {
  // The data directory, and on PostgreSQL a fresh database.
  const std::string data = dir_.File("data");
  const std::string database_url =
      postgres() ? NewLocation("unused").postgres_url : "";
  std::set<int64_t> confirmed;
  std::map<grpc::StatusCode, int> outcomes;
  {
    Daemon daemon(data, database_url);
    const std::string token = daemon.Login("usera@example.com");
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&, t] {
        auto stub = tickets::v1::TicketService::NewStub(daemon.channel());
        for (int i = 0; !stop.load(); ++i) {
          grpc::ClientContext context;
          context.set_deadline(
              absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
          context.AddMetadata("authorization", "Bearer " + token);
          tickets::v1::CreateTicketRequest request;
          request.mutable_ticket()->set_title(absl::StrCat("Load ", t, " ", i));
          request.mutable_ticket()->set_body("Created under load");
          tickets::v1::Ticket ticket;
          grpc::Status status = stub->CreateTicket(&context, request, &ticket);
          std::lock_guard<std::mutex> lock(mu);
          ++outcomes[status.error_code()];
          if (status.ok()) confirmed.insert(ticket.id());
          if (status.error_code() == grpc::StatusCode::UNAVAILABLE) return;
        }
      });
    }
    absl::SleepFor(absl::Milliseconds(500));  // let load build up
    daemon.process().Signal(SIGTERM);
    auto exit_code = daemon.process().Wait(absl::Seconds(60));
    stop = true;
    for (std::thread& client : clients) client.join();
    ASSERT_THAT(exit_code, IsOk());
    EXPECT_EQ(*exit_code, 0);
  }
  ASSERT_GT(confirmed.size(), 0u);
  for (const auto& [code, count] : outcomes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK ||
                code == grpc::StatusCode::UNAVAILABLE ||
                code == grpc::StatusCode::CANCELLED)
        << "unexpected code " << code << " x" << count;
  }

  // Restart on the same data: every confirmed ticket is there, and its
  // audit event arrives exactly once (delivered now if it was still in the
  // outbox at shutdown).
  Daemon daemon(data, database_url);
  const std::string admin = daemon.Login("admina@example.com");
  auto audit = audit::v1::AuditService::NewStub(daemon.channel());
  std::map<int64_t, int> events;
  grpc::Status listed;
  WaitFor(
      [&] {
        events.clear();
        std::string page_token;
        do {
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + admin);
          audit::v1::ListAuditEventsRequest request;
          request.set_action("ticket.created");
          request.set_page_size(1000);
          request.set_page_token(page_token);
          audit::v1::ListAuditEventsResponse response;
          listed = audit->ListAuditEvents(&context, request, &response);
          if (!listed.ok()) return true;
          for (const auto& event : response.audit_events()) {
            ++events[event.entity_id()];
          }
          page_token = response.next_page_token();
        } while (!page_token.empty());
        bool all = true;
        for (int64_t id : confirmed) all = all && events.count(id) > 0;
        return all;
      },
      absl::Seconds(10), absl::Milliseconds(50));
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  auto tickets = tickets::v1::TicketService::NewStub(daemon.channel());
  for (int64_t id : confirmed) {
    EXPECT_EQ(events[id], 1) << "ticket " << id;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin);
    tickets::v1::GetTicketRequest request;
    request.set_id(id);
    tickets::v1::Ticket ticket;
    EXPECT_TRUE(tickets->GetTicket(&context, request, &ticket).ok()) << id;
  }
}

}  // namespace
}  // namespace helpdesk
