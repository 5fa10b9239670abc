// PeerChannel against two real replicas behind one target: calls are
// spread over both, a replica that goes away is skipped, and a read a
// replica answers UNAVAILABLE is asked again of the other.
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clients/call_context.h"

namespace helpdesk::clients {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// A Health service that says which replica answered (in the status), or
// fails UNAVAILABLE, as a replica that lost its database would.
class ReplicaHealth final : public Health::Service {
 public:
  explicit ReplicaHealth(bool available,
                         HealthCheckResponse::ServingStatus answer)
      : available_(available), answer_(answer) {}

  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                     HealthCheckResponse* response) override {
    ++calls_;
    if (!available_) return {grpc::StatusCode::UNAVAILABLE, "no database"};
    response->set_status(answer_);
    return grpc::Status::OK;
  }

  int calls() const { return calls_; }

 private:
  const bool available_;
  const HealthCheckResponse::ServingStatus answer_;
  std::atomic<int> calls_{0};
};

struct Replica {
  std::unique_ptr<ReplicaHealth> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

Replica StartReplica(bool available,
                     HealthCheckResponse::ServingStatus answer) {
  Replica replica;
  replica.service = std::make_unique<ReplicaHealth>(available, answer);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &replica.port);
  builder.RegisterService(replica.service.get());
  replica.server = builder.BuildAndStart();
  return replica;
}

std::string TargetOf(const Replica& a, const Replica& b) {
  return absl::StrCat("ipv4:127.0.0.1:", a.port, ",127.0.0.1:", b.port);
}

grpc::Status Check(Health::Stub& stub, HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  return stub.Check(&context, HealthCheckRequest(), response);
}

TEST(PeerChannelTest, SpreadsCallsOverEveryReplicaAndSkipsOneThatGoesAway) {
  Replica a = StartReplica(true, HealthCheckResponse::SERVING);
  Replica b = StartReplica(true, HealthCheckResponse::NOT_SERVING);
  auto stub = Health::NewStub(PeerChannel(TargetOf(a, b)));

  std::set<int> answers;
  for (int i = 0; i < 20; ++i) {
    HealthCheckResponse response;
    ASSERT_TRUE(Check(*stub, &response).ok());
    answers.insert(response.status());
  }
  // Round robin, not the first address only.
  EXPECT_EQ(answers.size(), 2u);
  EXPECT_GT(a.service->calls(), 0);
  EXPECT_GT(b.service->calls(), 0);

  b.server->Shutdown();
  for (int i = 0; i < 20; ++i) {
    HealthCheckResponse response;
    grpc::Status status = Check(*stub, &response);
    ASSERT_TRUE(status.ok()) << "call " << i << ": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  }
  a.server->Shutdown();
}

TEST(PeerChannelTest, AReadAReplicaFailsUnavailableIsAskedOfAnother) {
  Replica up = StartReplica(true, HealthCheckResponse::SERVING);
  Replica down = StartReplica(false, HealthCheckResponse::SERVING);
  auto stub = Health::NewStub(PeerChannel(TargetOf(up, down)));
  for (int i = 0; i < 20; ++i) {
    HealthCheckResponse response;
    grpc::Status status = Check(*stub, &response);
    ASSERT_TRUE(status.ok()) << "call " << i << ": " << status.error_message();
  }
  // The failing replica was asked (round robin) and its answers retried.
  EXPECT_GT(down.service->calls(), 0);
  EXPECT_EQ(up.service->calls(), 20);
  up.server->Shutdown();
  down.server->Shutdown();
}

TEST(PeerChannelTest, TheServiceConfigNamesOnlyRepeatableCalls) {
  const std::string& config = PeerServiceConfig();
  EXPECT_NE(config.find(R"("method":"GetTicket")"), std::string::npos);
  EXPECT_NE(config.find(R"("method":"RecordAuditEvent")"), std::string::npos);
  for (const char* once : {"CreateTicket", "UpdateTicket", "AssignTicket",
                           "CreateNote", "Register", "Login", "RetryJob"}) {
    EXPECT_EQ(config.find(absl::StrCat(R"("method":")", once, R"(")")),
              std::string::npos)
        << once;
  }
}

}  // namespace
}  // namespace helpdesk::clients
