#include "libs/rpc/server.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "libs/log/log.h"
#include "libs/rpc/reflection_service.h"
#include "libs/rpc/request_log_interceptor.h"

namespace helpdesk::rpc {
namespace {

std::string ListenAddress(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

constexpr char kHealthService[] = "grpc.health.v1.Health";

// Hands the names of the services registered on a server to a
// DescriptorIndex as the server is built (gRPC keeps that list to itself;
// its own reflection plugin reads it the same way).
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(DescriptorIndex* index) : index_(index) {}
  std::string name() override { return "helpdesk_service_names"; }
  void InitServer(grpc::ServerInitializer* initializer) override {
    std::vector<std::string> names = *initializer->GetServiceList();
    // The default health service is added after the plugins ran.
    names.push_back(kHealthService);
    index_->SetServiceNames(std::move(names));
  }
  void Finish(grpc::ServerInitializer* /*initializer*/) override {}
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  DescriptorIndex* const index_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(DescriptorIndex* index) : index_(index) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(index_));
  }

 private:
  DescriptorIndex* const index_;
};

}  // namespace

RpcServer::RpcServer() = default;

RpcServer::~RpcServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<RpcServer>> RpcServer::Start(
    ServerOptions options, const std::vector<grpc::Service*>& services) {
  // A process-wide switch in gRPC; setting it again is harmless.
  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's health service is built on its own message code; this makes sure
  // grpc.health.v1's descriptors are linked in, so reflection describes it.
  grpc::health::v1::HealthCheckRequest::descriptor();

  std::unique_ptr<RpcServer> rpc_server(new RpcServer());
  grpc::ServerBuilder builder;
  builder.SetOption(
      std::make_unique<ServiceNamesOption>(&rpc_server->descriptors_));
  int selected_port = 0;
  const std::string address = ListenAddress(options.bind_address, options.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                           &selected_port);
  for (const std::string& extra : options.extra_addresses) {
    builder.AddListeningPort(extra, grpc::InsecureServerCredentials());
  }
  // gRPC enables SO_REUSEPORT by default, which would let a second server
  // start silently on a port that is already serving.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  // Let clients keep idle connections alive with pings of their own.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);

  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<RequestLogInterceptorFactory>());
  for (auto& interceptor : options.interceptors) {
    interceptors.push_back(std::move(interceptor));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  // The handlers are synchronous (they block on SQLite and on peers). gRPC's
  // default keeps only two idle polling threads and ends every other thread
  // when its call is done, so under concurrent load a thread was created
  // and destroyed per call. Keep enough of them.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS,
                              options.completion_queues);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options.max_pollers);

  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.RegisterService(&rpc_server->reflection_v1alpha_);
  builder.RegisterService(&rpc_server->reflection_v1_);

  rpc_server->server_ = builder.BuildAndStart();
  if (rpc_server->server_ == nullptr || selected_port == 0) {
    rpc_server->shut_down_ = true;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address, " (address in use or not available)"));
  }
  rpc_server->port_ = selected_port;
  if (auto* health = rpc_server->server_->GetHealthCheckService()) {
    for (const std::string& name : rpc_server->service_names()) {
      health->SetServingStatus(name, true);
    }
  }
  LogInfo("grpc_server_started",
          {{"address", ListenAddress(options.bind_address, selected_port)}});
  return rpc_server;
}

std::string NewLocalAddress(absl::string_view name) {
  static std::atomic<int> counter{0};
  absl::BitGen random;
  return absl::StrCat("unix-abstract:helpdesk-", getpid(), "-", counter++, "-",
                      name, "-", absl::Hex(absl::Uniform<uint64_t>(random)));
}

std::shared_ptr<grpc::Channel> RpcServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void RpcServer::StartDraining() {
  if (server_ == nullptr) return;
  if (auto* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(false);
  }
}

void RpcServer::Shutdown(absl::Duration grace) {
  if (shut_down_.exchange(true)) return;
  StartDraining();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  LogInfo("grpc_server_stopped", {{"port", absl::StrCat(port_)}});
}

}  // namespace helpdesk::rpc
