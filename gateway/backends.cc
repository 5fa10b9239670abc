#include "gateway/backends.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace helpdesk::gateway {
namespace {

constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";

// One readiness probe: every backend's answer, counted down.
struct ReadinessProbe {
  std::atomic<int> remaining{0};
  std::atomic<bool> ready{true};
  std::function<void(bool)> done;

  void Finish(bool serving) {
    if (!serving) ready.store(false);
    if (remaining.fetch_sub(1) == 1) done(ready.load());
  }
};

struct HealthCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

}  // namespace

Backends::Backends(
    const absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>>&
        channels) {
  absl::flat_hash_map<grpc::Channel*, Backend*> by_channel;
  for (const auto& [service, channel] : channels) {
    if (channel == nullptr) continue;
    Backend*& backend = by_channel[channel.get()];
    if (backend == nullptr) {
      backends_.push_back(std::make_unique<Backend>());
      backend = backends_.back().get();
      backend->channel = channel;
      backend->stub = std::make_unique<grpc::GenericStub>(channel);
    }
    by_service_[service] = backend;
  }
}

grpc::GenericStub* Backends::StubFor(const std::string& service) const {
  auto it = by_service_.find(service);
  return it == by_service_.end() ? nullptr : it->second->stub.get();
}

bool Backends::Register(grpc::ClientContext* context, bool stream) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  in_flight_.insert(context);
  if (stream) streams_.insert(context);
  return true;
}

void Backends::Unregister(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(context);
  streams_.erase(context);
}

void Backends::CancelStreams() {
  absl::MutexLock lock(&mu_);
  for (grpc::ClientContext* context : streams_) context->TryCancel();
}

void Backends::CancelAll() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

int Backends::in_flight() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(in_flight_.size());
}

bool Backends::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(
      absl::Condition(
          +[](absl::flat_hash_set<grpc::ClientContext*>* calls) {
            return calls->empty();
          },
          &in_flight_),
      deadline);
}

void Backends::CheckReady(absl::Duration timeout,
                          std::function<void(bool)> done) {
  if (backends_.empty()) {
    done(false);
    return;
  }
  auto probe = std::make_shared<ReadinessProbe>();
  probe->remaining.store(static_cast<int>(backends_.size()));
  probe->done = std::move(done);
  grpc::health::v1::HealthCheckRequest request;  // "" = the whole server
  for (const auto& backend : backends_) {
    auto call = std::make_shared<HealthCall>();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    bool own_buffer;
    (void)grpc::SerializationTraits<
        grpc::health::v1::HealthCheckRequest>::Serialize(request,
                                                         &call->request,
                                                         &own_buffer);
    if (!Register(&call->context)) {
      probe->Finish(false);
      continue;
    }
    backend->stub->UnaryCall(
        &call->context, kHealthCheckMethod, grpc::StubOptions(), &call->request,
        &call->response, [this, call, probe](grpc::Status status) {
          grpc::health::v1::HealthCheckResponse response;
          const bool serving =
              status.ok() &&
              grpc::SerializationTraits<grpc::health::v1::HealthCheckResponse>::
                  Deserialize(&call->response, &response)
                      .ok() &&
              response.status() ==
                  grpc::health::v1::HealthCheckResponse::SERVING;
          probe->Finish(serving);
          Unregister(&call->context);
        });
  }
}

}  // namespace helpdesk::gateway
