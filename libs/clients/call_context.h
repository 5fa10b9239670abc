#ifndef HELPDESK_LIBS_CLIENTS_CALL_CONTEXT_H_
#define HELPDESK_LIBS_CLIENTS_CALL_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::clients {

// How a Helpdesk service calls a peer: over `channel`, presenting the
// service credential, with `deadline` on every call. Shared by the
// client wrappers of the peer services (AuthClient, AuditDeliverer, ...).
struct PeerOptions {
  std::shared_ptr<grpc::Channel> channel;
  std::string service_token;
  absl::Duration deadline = absl::Seconds(2);
};

// A channel to a peer at `target` that reconnects quickly once the peer is
// back (gRPC's default reconnect backoff grows to two minutes; ours stops
// at five seconds). `target` may name several replicas, as gRPC resolves
// them: `host:port`, `ipv4:127.0.0.1:5001,127.0.0.1:5002`, or
// `dns:///ticket.helpdesk:50051` (every address of the name, e.g. a
// Kubernetes headless Service). Calls are spread round robin over the
// replicas that are up; one that goes away is skipped. A call that fails
// UNAVAILABLE is tried again on another replica (up to 3 attempts) only if
// it is safe to repeat: reads, and writes that are idempotent by contract
// (deduplicated by key, or setting a state; see kRetryableMethods in
// call_context.cc). gRPC itself retries any call that never left the
// client.
std::shared_ptr<grpc::Channel> PeerChannel(const std::string& target);

// The service config PeerChannel uses (JSON), for tests and tools.
const std::string& PeerServiceConfig();

// Fills `context` for one outbound call: the service credential, and the
// peer's per-call deadline or `not_after` (real time), whichever comes
// first (a call made on behalf of a task with a deadline of its own, such
// as a job's attempt, ends with the task).
void PrepareContext(const PeerOptions& peer, grpc::ClientContext* context,
                    absl::Time not_after = absl::InfiniteFuture());

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_CALL_CONTEXT_H_
