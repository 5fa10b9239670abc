#include "tools/perf/bench_support.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "tools/perf/closed_loop.h"

namespace helpdesk::bench {

std::vector<std::shared_ptr<grpc::Channel>> DistinctChannels(
    const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("helpdesk.bench_channel", i);  // distinct args: no sharing
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

void FreshDirectory(const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
}

absl::StatusOr<std::unique_ptr<auth::AuthComponent>> BenchAuth(
    const std::string& dir, const std::string& service_token,
    const Clock* clock, const rpc::Peers& peers) {
  auth::AuthComponentOptions options;
  options.storage.data_dir = dir;
  options.service_token = service_token;
  options.service.rate_limits = false;
  options.service.page_token_key = "bench";
  return auth::AuthComponent::Create(options, clock, peers);
}

std::unique_ptr<rpc::RpcServer> BenchServer(
    absl::Span<rpc::Component* const> components, auth::TokenResolver* resolver,
    const std::string& service_token, const std::string& extra_address) {
  rpc::ServerOptions options;
  if (!extra_address.empty()) options.extra_addresses = {extra_address};
  auto server = rpc::StartComponentServer(std::move(options), components,
                                          resolver, service_token);
  if (!server.ok()) {
    std::cerr << "server: " << server.status() << "\n";
    std::exit(1);
  }
  return *std::move(server);
}

std::string DemoLogin(const std::shared_ptr<grpc::Channel>& channel,
                      const std::string& email) {
  auto stub = helpdesk::auth::v1::AuthService::NewStub(channel);
  grpc::ClientContext context;
  helpdesk::auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password("demo123");
  helpdesk::auth::v1::LoginResponse response;
  grpc::Status status = stub->Login(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "login as " << email << " failed: " << status.error_message()
              << "\n";
    std::exit(1);
  }
  return response.session_token();
}

void PrintTableHeader() {
  std::cout
      << "| call | threads | calls/s | p50 ms | p90 ms | p99 ms | errors |\n"
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
}

LoadResult MeasureHealthCeiling(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    absl::Duration warmup, absl::Duration duration) {
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> stubs;
  for (const auto& channel : channels) {
    stubs.push_back(grpc::health::v1::Health::NewStub(channel));
  }
  const int threads = static_cast<int>(channels.size());
  LoadResult ceiling = RunClosedLoop(threads, warmup, duration, [&](int t) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    return stubs[t]->Check(&context, {}, &response).ok();
  });
  std::cout << FormatRow("Health/Check (ceiling)", threads, ceiling)
            << std::endl;
  return ceiling;
}

}  // namespace helpdesk::bench
