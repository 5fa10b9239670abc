#ifndef HELPDESK_GATEWAY_REQUEST_HANDLER_H_
#define HELPDESK_GATEWAY_REQUEST_HANDLER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/backends.h"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "gateway/origin_policy.h"
#include "gateway/route_table.h"
#include "gateway/static_files.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace helpdesk::gateway {

// Where browser sessions come from: the RPC that signs in (its response
// holds the token and its expiry), and the one that signs out. Null
// descriptors turn the cookie handling off.
struct SessionRpcs {
  const google::protobuf::MethodDescriptor* login = nullptr;
  const google::protobuf::FieldDescriptor* token_field = nullptr;  // string
  // google.protobuf.Timestamp: the cookie's Max-Age.
  const google::protobuf::FieldDescriptor* expire_time_field = nullptr;
  const google::protobuf::MethodDescriptor* logout = nullptr;
};

// Everything the handler reads, built once at start (gateway.cc) and
// immutable afterwards. The pointed-to objects must outlive the handler.
struct HandlerConfig {
  const RouteTable* routes = nullptr;
  google::protobuf::MessageFactory* message_factory = nullptr;
  // For the same pool; see Transcoder.
  google::protobuf::util::TypeResolver* type_resolver = nullptr;
  Backends* backends = nullptr;
  const OriginPolicy* origins = nullptr;
  // The web console's files for GET/HEAD outside the API; null: none.
  const StaticFiles* static_files = nullptr;
  SessionRpcs session;
  std::string service_token;
  bool secure_cookies = false;
  // A successful answer to a request that rode on the session cookie renews
  // the cookie for this long (the auth service's idle timeout), so that an
  // active browser session does not end at the Max-Age set at login.
  absl::Duration session_idle_timeout = absl::Minutes(30);
  int trusted_proxies = 0;
  absl::Duration backend_deadline = absl::Seconds(10);
  absl::Duration max_stream_duration = absl::Minutes(30);
  absl::Duration sse_heartbeat_interval = absl::Seconds(15);
  absl::Duration readiness_timeout = absl::Seconds(1);
};

// The gateway's request path (Envoy's transcoder filter): health endpoints,
// the web console's static files, CORS preflight, routing (404/405), the
// CSRF rule (403) and the JSON media type (415), the session cookie (renewed
// on success), transcoding, the backend call with the generic
// stub (callback API: no thread waits for a backend), the answer (errors as
// google.rpc.Status JSON with grpc-gateway's HTTP statuses), and one access-log
// line per request (method, route template, status, duration, request id; never
// tokens, cookies or bodies).
//
// Thread-safe: Handle() runs on event-loop threads, completions on gRPC's.
class RequestHandler final : public HttpHandler {
 public:
  explicit RequestHandler(HandlerConfig config) : config_(std::move(config)) {}

  void Handle(HttpRequest request,
              std::shared_ptr<HttpExchange> exchange) override;
  HttpResponse Refuse(int status, absl::string_view reason) override;

  // From now on readiness reports 503 (the gateway is shutting down).
  void SetDraining() { draining_.store(true); }

 private:
  struct Exchange;
  class UnaryCall;

  void Forward(std::shared_ptr<Exchange> exchange, const RouteLookup& lookup,
               const HttpRequest& request);
  void CheckReadiness(std::shared_ptr<Exchange> exchange);

  const HandlerConfig config_;
  std::atomic<bool> draining_{false};
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_REQUEST_HANDLER_H_
