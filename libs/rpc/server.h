#ifndef HELPDESK_LIBS_RPC_SERVER_H_
#define HELPDESK_LIBS_RPC_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "libs/rpc/reflection_service.h"

namespace helpdesk::rpc {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  // 0 picks a free port; RpcServer::port() tells which.
  int port = 0;
  // Further addresses to listen on, e.g. NewLocalAddress()'s, for callers
  // that must know the address before the server starts.
  std::vector<std::string> extra_addresses;
  int max_message_bytes = 4 * 1024 * 1024;
  // Server-initiated HTTP/2 pings keep idle connections through proxies and
  // find dead peers.
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Synchronous-handler threads: completion queues, and the threads per
  // queue kept waiting for calls between bursts (more are started while
  // every one is busy).
  int completion_queues = 2;
  int max_pollers = 32;
  // Run after the built-in request-log interceptor, in this order.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
};

// A new address for calls within this machine that is known before any
// server listens on it (`unix-abstract:helpdesk-<pid>-<n>-<name>-<random>`:
// an abstract Unix socket, no file, gone with the process). helpdeskd's
// services call each other through one; a test cluster gives each service
// one.
std::string NewLocalAddress(absl::string_view name);

// One running gRPC server, started the same way by every Helpdesk binary:
// the given services plus grpc.health.v1 and server reflection v1 and
// v1alpha (so `grpcurl -plaintext HOST:PORT list` works, and grpcurl prints
// lowerCamelCase keys: see reflection_service.h), keepalive, a message size
// limit, and a request-log interceptor. Health answers SERVING for "" and
// for the full name of every hosted service (what Kubernetes' gRPC probes
// and Envoy send), until draining starts.
//
// Services are not owned and must outlive the server. Thread-safe.
class RpcServer final {
 public:
  static absl::StatusOr<std::unique_ptr<RpcServer>> Start(
      ServerOptions options, const std::vector<grpc::Service*>& services);

  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  int port() const { return port_; }

  // The full names of the services this server hosts, sorted (the given
  // ones, health and reflection).
  std::vector<std::string> service_names() const {
    return descriptors_.service_names();
  }

  // A channel to this server that skips the network, for in-process peers.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Reports NOT_SERVING on health for "" and every service while calls are
  // still served, so probes and balancers stop sending traffic before the
  // port closes. Idempotent; Shutdown() calls it too.
  void StartDraining();

  // StartDraining(), then stops accepting calls, lets in-flight calls
  // finish for up to `grace`, then cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  RpcServer();

  DescriptorIndex descriptors_;
  ReflectionV1AlphaService reflection_v1alpha_{&descriptors_};
  ReflectionV1Service reflection_v1_{&descriptors_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> shut_down_{false};
};

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SERVER_H_
