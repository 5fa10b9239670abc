#include "libs/testing/cluster.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/clients/call_context.h"
#include "libs/status/status_macros.h"
#include "libs/testing/postgres_cluster.h"
#include "libs/testing/store_engines.h"

namespace helpdesk::testing {

namespace {

constexpr char kPageTokenKey[] = "cluster-page-key";

int Index(Service service) { return static_cast<int>(service); }

const char* Name(Service service) {
  switch (service) {
    case Service::kAuth:
      return "auth";
    case Service::kAudit:
      return "audit";
    case Service::kTicket:
      return "ticket";
    case Service::kNotification:
      return "notification";
    case Service::kJobs:
      return "jobs";
  }
  return "unknown";
}

constexpr Service kAll[] = {Service::kAuth, Service::kAudit, Service::kTicket,
                            Service::kNotification, Service::kJobs};

}  // namespace

ClusterOptions::ClusterOptions() {
  auth.service.argon2 = {64, 1, 1};
  auth.service.page_token_key = kPageTokenKey;
  audit.page_token_key = kPageTokenKey;
  ticket.service.page_token_key = kPageTokenKey;
  notification.service.page_token_key = kPageTokenKey;
  // Heartbeats and session rounds are the tests' to trigger.
  notification.watch.heartbeat_interval = absl::Hours(1);
  notification.watch.session_check_interval = absl::Hours(1);
  jobs.service.page_token_key = kPageTokenKey;
  jobs.workers.workers = 0;
  jobs.workers.poll_interval = absl::Milliseconds(100);
  jobs.escalation.sweep_interval = absl::ZeroDuration();
}

Cluster::Cluster(ClusterOptions options, const Clock* clock,
                 std::string data_dir)
    : options_(std::move(options)),
      clock_(clock),
      data_dir_(std::move(data_dir)) {}

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Start(
    ClusterOptions options, const Clock* clock, const std::string& data_dir) {
  std::unique_ptr<Cluster> cluster(
      new Cluster(std::move(options), clock, data_dir));
  RETURN_IF_ERROR(cluster->Boot());
  return cluster;
}

bool Cluster::Has(Service service) const {
  return std::find(options_.services.begin(), options_.services.end(),
                   service) != options_.services.end();
}

bool Cluster::OwnServer(Service service) const {
  return std::find(options_.own_server.begin(), options_.own_server.end(),
                   service) != options_.own_server.end();
}

rpc::Component* Cluster::Get(Service service) {
  switch (service) {
    case Service::kAuth:
      return auth_.get();
    case Service::kAudit:
      return audit_.get();
    case Service::kTicket:
      return ticket_.get();
    case Service::kNotification:
      return notification_.get();
    case Service::kJobs:
      return jobs_.get();
  }
  return nullptr;
}

absl::Status Cluster::Create(Service service) {
  // A component's options as given, in the cluster's data dir, with its
  // credential.
  auto own = [this](auto options) {
    options.storage = {.data_dir = data_dir_,
                       .database_url = options_.database_url};
    options.service_token = kClusterServiceToken;
    return options;
  };
  switch (service) {
    case Service::kAuth: {
      ASSIGN_OR_RETURN(auth_, auth::AuthComponent::Create(own(options_.auth),
                                                          clock_, peers_));
      return absl::OkStatus();
    }
    case Service::kAudit: {
      ASSIGN_OR_RETURN(
          audit_, audit::AuditComponent::Create(own(options_.audit), clock_));
      return absl::OkStatus();
    }
    case Service::kTicket: {
      ASSIGN_OR_RETURN(ticket_, ticket::TicketComponent::Create(
                                    own(options_.ticket), clock_, peers_));
      return absl::OkStatus();
    }
    case Service::kNotification: {
      ASSIGN_OR_RETURN(
          notification_,
          notification::NotificationComponent::Create(
              own(options_.notification), clock_, auth_->token_resolver()));
      return absl::OkStatus();
    }
    case Service::kJobs: {
      ASSIGN_OR_RETURN(jobs_, jobs::JobsComponent::Create(own(options_.jobs),
                                                          clock_, peers_));
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown service");
}

absl::Status Cluster::Boot() {
  if (!Has(Service::kAuth) || OwnServer(Service::kAuth)) {
    return absl::InvalidArgumentError(
        "a cluster runs auth, on the shared server");
  }
  std::shared_ptr<grpc::Channel>* channels[] = {
      &peers_.auth, &peers_.audit, &peers_.ticket, &peers_.notification,
      &peers_.jobs};
  for (Service service : kAll) {
    Node& node = nodes_[Index(service)];
    node.address = rpc::NewLocalAddress(Name(service));
    *channels[Index(service)] = clients::PeerChannel(node.address);
  }
  std::vector<rpc::Component*> shared;
  rpc::ServerOptions shared_options;
  for (Service service : kAll) {
    if (!Has(service)) continue;
    RETURN_IF_ERROR(Create(service));
    if (!OwnServer(service)) {
      shared.push_back(Get(service));
      shared_options.extra_addresses.push_back(nodes_[Index(service)].address);
    }
  }
  ASSIGN_OR_RETURN(
      shared_server_,
      rpc::StartComponentServer(std::move(shared_options), shared,
                                auth_->token_resolver(), kClusterServiceToken));
  for (Service service : kAll) {
    if (!Has(service)) continue;
    if (OwnServer(service)) {
      RETURN_IF_ERROR(StartService(service));
    } else {
      RETURN_IF_ERROR(Get(service)->Start());
    }
  }
  return absl::OkStatus();
}

absl::Status Cluster::StartService(Service service) {
  if (!OwnServer(service)) {
    return absl::FailedPreconditionError("not on a server of its own");
  }
  Node& node = nodes_[Index(service)];
  if (node.server != nullptr) return absl::OkStatus();
  if (Get(service) == nullptr) RETURN_IF_ERROR(Create(service));
  rpc::Component* components[] = {Get(service)};
  rpc::ServerOptions options;
  options.extra_addresses = {node.address};
  ASSIGN_OR_RETURN(
      node.server,
      rpc::StartComponentServer(std::move(options), components,
                                auth_->token_resolver(), kClusterServiceToken));
  return components[0]->Start();
}

absl::Status Cluster::StopService(Service service) {
  if (!OwnServer(service)) {
    return absl::FailedPreconditionError("not on a server of its own");
  }
  Node& node = nodes_[Index(service)];
  if (node.server == nullptr) return absl::OkStatus();
  Get(service)->Stop();
  node.server->Shutdown(absl::ZeroDuration());
  node.server.reset();
  switch (service) {
    case Service::kAudit:
      audit_.reset();
      break;
    case Service::kTicket:
      ticket_.reset();
      break;
    case Service::kNotification:
      notification_.reset();
      break;
    case Service::kJobs:
      jobs_.reset();
      break;
    case Service::kAuth:
      break;
  }
  return absl::OkStatus();
}

Cluster::~Cluster() {
  // Background work first (it calls the servers), in reverse order.
  for (int i = 4; i >= 0; --i) {
    if (rpc::Component* component = Get(kAll[i])) component->Stop();
  }
  for (int i = 4; i >= 0; --i) {
    if (nodes_[i].server != nullptr) {
      nodes_[i].server->Shutdown(absl::ZeroDuration());
    }
  }
  if (shared_server_ != nullptr) shared_server_->Shutdown(absl::ZeroDuration());
  jobs_.reset();
  notification_.reset();
  ticket_.reset();
  audit_.reset();
  auth_.reset();
}

rpc::RpcServer* Cluster::server(Service service) {
  Node& node = nodes_[Index(service)];
  return node.server != nullptr ? node.server.get() : shared_server_.get();
}

std::shared_ptr<grpc::Channel> Cluster::Channel(
    Service service, const grpc::ChannelArguments& arguments) {
  return grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", server(service)->port()),
      grpc::InsecureChannelCredentials(), arguments);
}

absl::Status Cluster::DeliverOutboxes() {
  for (int round = 0; round < 3; ++round) {
    if (auth_ != nullptr) RETURN_IF_ERROR(auth_->relay()->RunOnce().status());
    if (ticket_ != nullptr) {
      RETURN_IF_ERROR(ticket_->relay()->RunOnce().status());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Cluster::RunJobs() {
  if (jobs_ == nullptr) return absl::FailedPreconditionError("no jobs");
  return jobs_->workers()->RunUntilIdle();
}

void Authorize(grpc::ClientContext& context, const std::string& token,
               bool as_service) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (as_service) {
    context.AddMetadata(auth::kServiceTokenKey, kClusterServiceToken);
  }
}

absl::StatusOr<TestUser> LogIn(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& email) {
  auto stub = auth::v1::AuthService::NewStub(channel);
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password("demo123");
  ASSIGN_OR_RETURN(
      auth::v1::LoginResponse response,
      Call(stub.get(), &auth::v1::AuthService::Stub::Login, request, ""));
  return TestUser{response.user().id(), response.session_token()};
}

void ClusterTest::SetUp() {
  if (engine_ == db::Engine::kPostgres) {
    std::string error;
    PostgresCluster* server = SharedPostgresCluster(&error);
    ASSERT_NE(server, nullptr) << error;
    static int databases = 0;
    const std::string name = absl::StrCat("cluster_", ++databases);
    ASSERT_TRUE(server->CreateDatabase(name).ok());
    cluster_options_.database_url = server->ConnectionUri(name);
  }
  auto cluster =
      Cluster::Start(cluster_options_, &clock_, dir_.path().string());
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  cluster_ = std::move(*cluster);
}

void ClusterTest::TearDown() { cluster_.reset(); }

void ClusterTest::DeliverOutboxes() {
  absl::Status delivered = cluster_->DeliverOutboxes();
  ASSERT_TRUE(delivered.ok()) << delivered;
}

int ClusterTest::RunJobs() {
  absl::StatusOr<int> ran = cluster_->RunJobs();
  EXPECT_TRUE(ran.ok()) << ran.status();
  return ran.ok() ? *ran : -1;
}

TestUser ClusterTest::Login(const std::string& email) {
  absl::StatusOr<TestUser> user = LogIn(channel(), email);
  if (!user.ok()) {
    ADD_FAILURE() << email << ": " << user.status();
    return {};
  }
  return *user;
}

db::Store* ClusterTest::OutboxStore(const std::string& database) {
  if (database == "tickets.db" && cluster_->ticket() != nullptr) {
    return &cluster_->ticket()->store()->db();
  }
  if (database == "auth.db" && cluster_->auth() != nullptr) {
    return &cluster_->auth()->store()->db();
  }
  ADD_FAILURE() << "no outbox in " << database;
  return nullptr;
}

int64_t ClusterTest::OutboxRows(const std::string& database,
                                const std::string& where) {
  db::Store* store = OutboxStore(database);
  if (store == nullptr) return -1;
  int64_t rows = -1;
  EXPECT_TRUE(
      store
          ->Read([&](db::Connection& db) -> absl::Status {
            ASSIGN_OR_RETURN(
                db::Rows count,
                db.Query(absl::StrCat("SELECT COUNT(*) FROM outbox",
                                      where.empty() ? "" : " WHERE ", where)));
            rows = count.Int64(0, 0);
            return absl::OkStatus();
          })
          .ok());
  return rows;
}

std::vector<std::string> ClusterTest::OutboxPayloads(
    const std::string& database, const std::string& destination) {
  std::vector<std::string> payloads;
  db::Store* store = OutboxStore(database);
  if (store == nullptr) return payloads;
  EXPECT_TRUE(store
                  ->Read([&](db::Connection& db) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        db::Rows rows,
                        db.Query("SELECT payload FROM outbox WHERE "
                                 "destination = ? ORDER BY id",
                                 {destination}));
                    for (int r = 0; r < rows.size(); ++r) {
                      payloads.push_back(rows.Text(r, 0));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  return payloads;
}

}  // namespace helpdesk::testing
