#ifndef HELPDESK_GATEWAY_TESTING_GATEWAY_CLUSTER_H_
#define HELPDESK_GATEWAY_TESTING_GATEWAY_CLUSTER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/gateway.h"
#include "grpcpp/grpcpp.h"
#include "libs/testing/cluster.h"

namespace helpdesk::gateway {

inline constexpr char kAllowedOrigin[] = "https://app.example.com";

// A testing::Cluster (auth and audit unless the test names others) with
// the JSON gateway in front of it, calling the cluster over TCP loopback.
class GatewayClusterTest : public ::helpdesk::testing::ClusterTest {
 protected:
  explicit GatewayClusterTest(
      std::vector<::helpdesk::testing::Service> services = {kAuth, kAudit})
      : ClusterTest(std::move(services)) {}

  // Starts the cluster, then a gateway with Options().
  void SetUp() override;
  void TearDown() override;

  // The service credential, one allowed origin.
  GatewayOptions Options();

  // (Re)starts the gateway in front of `backend` (default: the cluster).
  void StartGateway(GatewayOptions options,
                    std::shared_ptr<grpc::Channel> backend = nullptr);

  // Signs in over gRPC; the session token.
  std::string LoginToken(const std::string& email) {
    return Login(email).token;
  }

  // Where the cluster's shared server listens (host:port), and a channel
  // to it.
  std::string target_;
  std::shared_ptr<grpc::Channel> backend_;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_TESTING_GATEWAY_CLUSTER_H_
