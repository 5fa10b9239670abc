#ifndef HELPDESK_LIBS_TESTING_CLUSTER_H_
#define HELPDESK_LIBS_TESTING_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "libs/rpc/status_conversion.h"
#include "libs/testing/temp_dir.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/jobs/jobs_component.h"
#include "services/notification/notification_component.h"
#include "services/ticket/ticket_component.h"

namespace helpdesk::testing {

inline constexpr char kClusterServiceToken[] =
    "cluster-service-token-0123456789abcdef";

// The five services, in dependency order.
enum class Service { kAuth, kAudit, kTicket, kNotification, kJobs };

// What a cluster runs. Options of each component are used as given, except
// that storage and service_token are the cluster's; the defaults below
// suit tests (cheap Argon2id, one page-token key, no job threads or
// scheduled sweeps: tests move work with DeliverOutboxes() and RunJobs()).
struct ClusterOptions {
  ClusterOptions();

  // Any subset; auth must be among them (every server resolves callers
  // through it, in process).
  std::vector<Service> services = {Service::kAuth};
  // Of those, the ones on a server of their own, which StopService() and
  // StartService() take down and bring back. The rest share one server.
  std::vector<Service> own_server;

  // Empty: every service on SQLite files in the data dir; else each on its
  // schema of this PostgreSQL database.
  std::string database_url;

  auth::AuthComponentOptions auth;
  audit::AuditComponentOptions audit;
  ticket::TicketComponentOptions ticket;
  notification::NotificationComponentOptions notification;
  jobs::JobsComponentOptions jobs;
};

// The real Helpdesk services in this process, assembled through their
// components as helpdeskd does, one SQLite file each in `data_dir`, time
// from `clock`. Each service has a Unix-socket address of its own (see
// rpc::NewLocalAddress) that its peers call it on, and every server also
// listens on a loopback TCP port for the test's own calls. Demo accounts
// are seeded (options.auth.seed_demo); demo tickets are not.
class Cluster final {
 public:
  static absl::StatusOr<std::unique_ptr<Cluster>> Start(
      ClusterOptions options, const Clock* clock, const std::string& data_dir);
  // Stops every component (reverse order), then the servers.
  ~Cluster();

  bool Has(Service service) const;
  // A TCP channel to the server that hosts `service`, with `arguments`.
  std::shared_ptr<grpc::Channel> Channel(
      Service service = Service::kAuth,
      const grpc::ChannelArguments& arguments = {});
  // The server that hosts `service`.
  rpc::RpcServer* server(Service service);

  // Null when not running.
  auth::AuthComponent* auth() { return auth_.get(); }
  audit::AuditComponent* audit() { return audit_.get(); }
  ticket::TicketComponent* ticket() { return ticket_.get(); }
  notification::NotificationComponent* notification() {
    return notification_.get();
  }
  jobs::JobsComponent* jobs() { return jobs_.get(); }
  ClusterOptions& options() { return options_; }
  // The channels the services call each other on.
  const rpc::Peers& peers() const { return peers_; }

  // A service on a server of its own (not auth): StopService ends its
  // component and server; StartService creates them again from options(),
  // on the same data and the same peer address.
  absl::Status StopService(Service service);
  absl::Status StartService(Service service);

  // Runs the outbox relays of auth and ticket until nothing is due now.
  absl::Status DeliverOutboxes();
  // Runs the jobs workers' claims on this thread until nothing is due;
  // returns how many ran.
  absl::StatusOr<int> RunJobs();

 private:
  struct Node {
    std::string address;  // the peers' address of the service
    std::unique_ptr<rpc::RpcServer> server;  // own server only
  };

  Cluster(ClusterOptions options, const Clock* clock, std::string data_dir);
  absl::Status Create(Service service);
  rpc::Component* Get(Service service);
  bool OwnServer(Service service) const;
  absl::Status Boot();

  ClusterOptions options_;
  const Clock* const clock_;
  const std::string data_dir_;
  rpc::Peers peers_;
  Node nodes_[5];
  std::unique_ptr<rpc::RpcServer> shared_server_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<ticket::TicketComponent> ticket_;
  std::unique_ptr<notification::NotificationComponent> notification_;
  std::unique_ptr<jobs::JobsComponent> jobs_;
};

// A signed-in demo account.
struct TestUser {
  int64_t id = 0;
  std::string token;
};

// Adds `authorization: Bearer token` (if non-empty) and, when `as_service`,
// the cluster's service credential.
void Authorize(grpc::ClientContext& context, const std::string& token,
               bool as_service = false);

// Calls a unary method of `stub` as `token` (and the service credential
// when `as_service`).
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(Stub* stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*),
                              const Request& request, const std::string& token,
                              bool as_service = false) {
  grpc::ClientContext context;
  Authorize(context, token, as_service);
  Response response;
  absl::Status status =
      rpc::FromGrpcStatus((stub->*method)(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

// Signs a demo account in (password demo123) over `channel`.
absl::StatusOr<TestUser> LogIn(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& email);

// A test with a cluster: set cluster_options_ in the test's constructor;
// SetUp() starts the cluster in a temp dir with a manual clock, TearDown()
// stops it.
class ClusterTest : public ::testing::Test {
 protected:
  static constexpr const char* kServiceToken = kClusterServiceToken;
  static constexpr Service kAuth = Service::kAuth;
  static constexpr Service kAudit = Service::kAudit;
  static constexpr Service kTicket = Service::kTicket;
  static constexpr Service kNotification = Service::kNotification;
  static constexpr Service kJobs = Service::kJobs;

  // Runs `services` (all five by default).
  explicit ClusterTest(std::vector<Service> services = {kAuth, kAudit, kTicket,
                                                        kNotification, kJobs}) {
    cluster_options_.services = std::move(services);
  }

  void SetUp() override;
  void TearDown() override;

  static void Authorize(grpc::ClientContext& context, const std::string& token,
                        bool as_service = false) {
    testing::Authorize(context, token, as_service);
  }
  template <typename Stub, typename Request, typename Response>
  static absl::StatusOr<Response> Call(
      Stub* stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request, const std::string& token,
      bool as_service = false) {
    return testing::Call(stub, method, request, token, as_service);
  }

  // The store holding a service's outbox ("tickets.db", "auth.db").
  db::Store* OutboxStore(const std::string& database);

  // cluster_->DeliverOutboxes() and RunJobs(), failing the test on error.
  void DeliverOutboxes();
  int RunJobs();

  // A session for a demo account (ADD_FAILURE and an empty one on error).
  TestUser Login(const std::string& email);
  // A TCP channel to the (first) server: the one hosting auth.
  std::shared_ptr<grpc::Channel> channel() { return cluster_->Channel(); }

  // Rows waiting in a service's outbox ("tickets.db" or "auth.db", on
  // either engine), with an optional SQL condition.
  int64_t OutboxRows(const std::string& database,
                     const std::string& where = "");
  // Payloads of outbox rows for `destination`, oldest first.
  std::vector<std::string> OutboxPayloads(const std::string& database,
                                          const std::string& destination);

  // The engine SetUp() puts the services on: SQLite, or a fresh database of
  // the test binary's shared PostgreSQL cluster (see ClusterEngineTest).
  db::Engine engine_ = db::Engine::kSqlite;
  ClusterOptions cluster_options_;
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Cluster> cluster_;
};

// A ClusterTest run on both storage engines: write TEST_P(MyTest, ...) with
// `class MyTest : public ClusterEngineTest {}` and
// HELPDESK_INSTANTIATE_ENGINES(MyTest) (store_engines.h).
class ClusterEngineTest : public ClusterTest,
                          public ::testing::WithParamInterface<db::Engine> {
 protected:
  using ClusterTest::ClusterTest;
  void SetUp() override {
    engine_ = GetParam();
    ClusterTest::SetUp();
  }
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_CLUSTER_H_
