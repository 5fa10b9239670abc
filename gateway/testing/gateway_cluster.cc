#include "gateway/testing/gateway_cluster.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/gateway.h"
#include "gtest/gtest.h"

namespace helpdesk::gateway {

void GatewayClusterTest::SetUp() {
  ClusterTest::SetUp();
  if (cluster_ == nullptr) return;
  target_ = absl::StrCat("127.0.0.1:", cluster_->server(kAuth)->port());
  backend_ = channel();
  StartGateway(Options());
}

void GatewayClusterTest::TearDown() {
  gateway_.reset();
  ClusterTest::TearDown();
}

GatewayOptions GatewayClusterTest::Options() {
  GatewayOptions options;
  options.service_token = kServiceToken;
  options.allowed_origins = {kAllowedOrigin};
  return options;
}

void GatewayClusterTest::StartGateway(GatewayOptions options,
                                      std::shared_ptr<grpc::Channel> backend) {
  gateway_.reset();
  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Gateway::Start(
      std::move(options), backend != nullptr ? backend : backend_);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  gateway_ = std::move(*gateway);
}

}  // namespace helpdesk::gateway
