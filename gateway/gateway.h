#ifndef HELPDESK_GATEWAY_GATEWAY_H_
#define HELPDESK_GATEWAY_GATEWAY_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/backends.h"
#include "gateway/helpdesk_protos.h"
#include "gateway/http_server.h"
#include "gateway/origin_policy.h"
#include "gateway/request_handler.h"
#include "gateway/route_table.h"
#include "gateway/static_files.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/type_resolver.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::gateway {

struct GatewayOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; Gateway::port() tells which
  // The shared service credential, sent on every backend call (the backends
  // trust `x-forwarded-for` only from its holder).
  std::string service_token;
  // Browser origins allowed to call with credentials (CORS), and to send
  // state-changing requests on the session cookie (CSRF).
  std::vector<std::string> allowed_origins;
  // `Secure` on the session cookie; also the page scheme a same-origin
  // `Origin` is expected with (https, else http).
  bool secure_cookies = false;
  // The session cookie's Max-Age when a successful answer to a request on
  // the cookie renews it: the auth service's session idle timeout.
  absl::Duration session_idle_timeout = absl::Minutes(30);
  // Reverse proxies in front of the gateway whose X-Forwarded-For entries
  // are trusted (0: the TCP peer is the client).
  int trusted_proxies = 0;
  absl::Duration backend_deadline = absl::Seconds(10);     // each unary call
  absl::Duration max_stream_duration = absl::Minutes(30);  // SSE; then the
                                                           // client reconnects
  absl::Duration sse_heartbeat_interval = absl::Seconds(15);
  size_t max_body_bytes = 1 << 20;     // 413 beyond
  size_t max_header_bytes = 16 << 10;  // 431 beyond
  // See HttpServerOptions for these.
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration request_header_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(15);
  absl::Duration write_timeout = absl::Seconds(15);
  int io_threads = 2;
  int max_connections = 10000;
  int max_connections_per_client = 512;  // 0: no limit
  // A FileDescriptorSet (//protos:helpdesk_descriptor_set) to read the
  // routes from; empty: the contracts linked into this binary.
  std::string descriptor_set_path;
  // The services whose google.api.http annotations become routes.
  std::vector<std::string> services = HelpdeskServices();
  // The RPCs behind the session cookie (see SessionRpcs); empty strings
  // turn the cookie handling off.
  std::string login_method = "helpdesk.auth.v1.AuthService.Login";
  std::string logout_method = "helpdesk.auth.v1.AuthService.Logout";
  std::string session_token_field = "session_token";
  std::string session_expire_time_field = "expire_time";
  // Serve the web console (gateway/web/, embedded) at `/`.
  bool serve_web_console = true;
};

// Backend channels by service full name, for split deployments; services
// without a channel answer 503.
using BackendChannels =
    absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>>;

// The gRPC-JSON gateway: configuration read once at Start (descriptor pool,
// immutable route table, backends), then an HTTP server whose handler
// transcodes each request (see request_handler.h and README.md).
//
// Thread-safe. Destroying the gateway shuts it down without grace.
class Gateway final {
 public:
  // Every service on one channel (helpdeskd: its in-process channel).
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      GatewayOptions options, std::shared_ptr<grpc::Channel> backend);

  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      GatewayOptions options, const BackendChannels& backends);

  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  int port() const { return server_->port(); }
  const RouteTable& routes() const { return *routes_; }

  // Backend calls in flight, event streams included (tests, monitoring).
  int backend_calls_in_flight() const { return backends_->in_flight(); }

  // Stops accepting connections and reports not ready, ends open event
  // streams, gives in-flight requests up to `grace` to be answered, then
  // cancels what is left and stops. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

 private:
  Gateway() = default;

  // Declared in construction order; destroyed in reverse.
  std::unique_ptr<google::protobuf::DescriptorPool> own_pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> dynamic_factory_;
  std::unique_ptr<google::protobuf::util::TypeResolver> type_resolver_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<OriginPolicy> origins_;
  std::unique_ptr<StaticFiles> static_files_;
  std::unique_ptr<Backends> backends_;
  std::unique_ptr<RequestHandler> handler_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_GATEWAY_H_
