#ifndef HELPDESK_GATEWAY_BACKENDS_H_
#define HELPDESK_GATEWAY_BACKENDS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::gateway {

// The gRPC servers behind the gateway: a generic stub per service (several
// services may share one channel, as in helpdeskd), and a register of the
// calls in flight so that shutdown can cancel them and wait for their
// callbacks. Thread-safe.
class Backends final {
 public:
  // `channels`: service full name -> channel.
  explicit Backends(
      const absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>>&
          channels);

  // The stub for `service`, or null when no backend serves it.
  grpc::GenericStub* StubFor(const std::string& service) const;

  // Registers a call about to start (`stream` for a server stream); false
  // (and the call must not start) once CancelAll() ran. Every registered
  // call is unregistered once its last callback finished; `context` must
  // stay alive until then (cancelling may touch it until it is
  // unregistered).
  bool Register(grpc::ClientContext* context, bool stream = false);
  void Unregister(grpc::ClientContext* context);

  // Cancels every server stream in flight (they last until the client
  // leaves; shutdown does not wait for them).
  void CancelStreams();

  // Cancels every call in flight and refuses new ones.
  void CancelAll();

  // Calls in flight now (for tests and monitoring).
  int in_flight();

  // Waits until no call is in flight or `deadline` passes; true if none is.
  bool WaitIdle(absl::Time deadline);

  // Asks every backend's grpc.health.v1.Health/Check (overall status)
  // within `timeout`; `done(ready)` runs on a gRPC thread, ready when every
  // backend answered SERVING.
  void CheckReady(absl::Duration timeout, std::function<void(bool)> done);

 private:
  struct Backend {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };

  std::vector<std::unique_ptr<Backend>> backends_;  // one per channel
  absl::flat_hash_map<std::string, Backend*> by_service_;

  absl::Mutex mu_;
  absl::flat_hash_set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<grpc::ClientContext*> streams_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_BACKENDS_H_
