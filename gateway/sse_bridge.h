#ifndef HELPDESK_GATEWAY_SSE_BRIDGE_H_
#define HELPDESK_GATEWAY_SSE_BRIDGE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/backends.h"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "gateway/transcoder.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::gateway {

struct SseBridgeParams {
  grpc::GenericStub* stub = nullptr;
  std::string grpc_path;
  // Prepared (deadline, metadata) and registered with `backends`; the
  // bridge unregisters it when the call is over.
  std::shared_ptr<grpc::ClientContext> context;
  grpc::ByteBuffer request;
  std::unique_ptr<Transcoder> transcoder;
  std::shared_ptr<HttpExchange> exchange;
  Backends* backends = nullptr;
  // Status 200 and the headers every response of the gateway carries; the
  // bridge adds the event-stream ones.
  HttpResponse head;
  // A comment is sent when no event went out for this long.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // The answer when the call fails before its first message (then the
  // client gets an ordinary JSON error instead of a stream).
  std::function<HttpResponse(const grpc::Status&, const grpc::ClientContext&)>
      error_response;
  // Runs once when the exchange is over, with the HTTP status sent and the
  // call's gRPC code (for the access log).
  std::function<void(int http_status, grpc::StatusCode code)> on_end;
};

// Relays one server-streaming RPC to an HTTP client as Server-Sent Events:
// each message becomes one `data:` event holding its JSON; a failure after
// the first event becomes a final `event: status` carrying the
// google.rpc.Status JSON; comments keep idle streams open. The next message
// is read only after the previous event was written (so a slow client
// slows the stream instead of growing a buffer), and a client that leaves
// cancels the call. The bridge owns itself and is deleted when the call is
// over.
void StartSseBridge(SseBridgeParams params);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_SSE_BRIDGE_H_
