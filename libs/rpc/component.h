#ifndef HELPDESK_LIBS_RPC_COMPONENT_H_
#define HELPDESK_LIBS_RPC_COMPONENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "grpcpp/channel.h"
#include "grpcpp/impl/service_type.h"
#include "libs/auth/token_resolver.h"
#include "libs/rpc/server.h"

namespace helpdesk::rpc {

// Channels to the five Helpdesk services. A component keeps the ones it
// calls and ignores the rest. gRPC channels connect lazily, so a peer may
// come up after the component that calls it: calls fail UNAVAILABLE until
// then, and the outboxes and the job queue retry.
struct Peers {
  std::shared_ptr<grpc::Channel> auth;
  std::shared_ptr<grpc::Channel> audit;
  std::shared_ptr<grpc::Channel> ticket;
  std::shared_ptr<grpc::Channel> notification;
  std::shared_ptr<grpc::Channel> jobs;

  // Every peer over one channel (helpdeskd, where one server hosts all).
  static Peers AllTo(const std::shared_ptr<grpc::Channel>& channel) {
    return {channel, channel, channel, channel, channel};
  }
  // Every peer at an address no server listens on: calls fail UNAVAILABLE
  // (a component used alone, as in benchmarks and unit tests). A component
  // needs a channel for every peer it calls; none may be null.
  static Peers Unreachable();
};

// One Helpdesk service as a unit its host assembles: helpdeskd, the service's
// own binary (ServiceMain) and the test cluster all drive components through
// this interface, in dependency order (auth, audit, ticket, notification,
// jobs).
//
// The life of a component:
//   1. `XComponent::Create(options, clock, peers, ...)` opens its store and
//      builds its service, the clients of its peers and its background work
//      (not yet running). Handlers have every peer client from the first
//      call on.
//   2. The host registers services() on a server and starts it.
//   3. Start() runs the background work (outbox relays, job workers,
//      sweeps, purges).
//   4. Stop() ends the background work and open streams; the host calls it
//      on every component, in reverse order, before it shuts the server
//      down, so that no background call is made to a server that is going
//      away. Idempotent; the destructor calls it too.
class Component {
 public:
  virtual ~Component() = default;

  // The gRPC services to register (not owned; they live as long as the
  // component).
  virtual std::vector<grpc::Service*> services() = 0;

  virtual absl::Status Start() = 0;
  virtual void Stop() = 0;
};

// The services of `components`, in order.
std::vector<grpc::Service*> ServicesOf(absl::Span<Component* const> components);

// Starts `components` in order; if one fails, stops those already started
// (in reverse) and returns its error.
absl::Status StartAll(absl::Span<Component* const> components);

// Stops `components` in reverse order.
void StopAll(absl::Span<Component* const> components);

// Starts a server on `options`' address hosting the services of
// `components` behind the auth interceptor, which resolves callers through
// `resolver` (not owned; must outlive the server) and recognises
// `service_token` as the service credential.
absl::StatusOr<std::unique_ptr<RpcServer>> StartComponentServer(
    ServerOptions options, absl::Span<Component* const> components,
    auth::TokenResolver* resolver, const std::string& service_token);

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_COMPONENT_H_
