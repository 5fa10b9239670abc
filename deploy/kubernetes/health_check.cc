// health_check: calls grpc.health.v1.Health/Check on one gRPC server, as
// the kubelet's native gRPC probe does, for manifests_test.py (Debian 12
// packages no grpcurl and no Python gRPC).
//
// Usage: health_check HOST:PORT SERVICE
// Prints the status name (SERVING, NOT_SERVING, ...) or the gRPC error
// code, and exits 0 only for SERVING.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: health_check HOST:PORT SERVICE\n";
    return 2;
  }
  auto channel =
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(argv[2]);
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cout << "error code " << status.error_code() << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? 0
             : 1;
}
