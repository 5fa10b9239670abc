#include "gateway/sse_bridge.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/error_mapping.h"
#include "gateway/http_message.h"
#include "gateway/sse.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::gateway {
namespace {

// How long EventSource clients wait before reconnecting.
constexpr absl::Duration kReconnectDelay = absl::Seconds(3);

class SseBridge final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit SseBridge(SseBridgeParams params) : p_(std::move(params)) {}

  void Start() {
    p_.stub->PrepareBidiStreamingCall(p_.context.get(), p_.grpc_path,
                                      grpc::StubOptions(), this);
    StartWriteLast(&p_.request, grpc::WriteOptions());
    StartRead(&message_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is over; OnDone follows
    absl::StatusOr<std::string> json = MessageJson();
    if (!json.ok()) {
      malformed_message_ = true;
      p_.context->TryCancel();
      return;
    }
    std::string chunk;
    if (!started_) {
      started_ = true;
      HttpResponse head = p_.head;
      head.AddHeader("Content-Type", "text/event-stream; charset=utf-8");
      head.AddHeader("X-Accel-Buffering", "no");
      // The exchange may call back after the reactor is gone: it gets the
      // context, not the reactor.
      std::shared_ptr<grpc::ClientContext> context = p_.context;
      p_.exchange->StartStream(std::move(head), SseComment("keep-alive"),
                               p_.heartbeat_interval,
                               [context] { context->TryCancel(); });
      chunk = SseRetry(kReconnectDelay);
    }
    chunk += SseEvent(*json);
    AddHold();
    p_.exchange->WriteStream(std::move(chunk), [this](bool written) {
      if (written) {
        StartRead(&message_);
      } else {
        p_.context->TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& call_status) override {
    const grpc::Status status =
        malformed_message_
            ? grpc::Status(grpc::StatusCode::INTERNAL, "internal error")
            : call_status;
    int http_status = 200;
    if (!started_) {
      HttpResponse response;
      if (status.ok()) {  // ended without a message: an empty stream
        response = p_.head;
        response.AddHeader("Content-Type", "text/event-stream; charset=utf-8");
        response.close_connection = true;
      } else {
        response = p_.error_response(status, *p_.context);
      }
      http_status = response.status;
      p_.exchange->Respond(std::move(response));
    } else {
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        p_.exchange->WriteStream(
            SseEvent(ErrorFromGrpc(status).json_body, "status"), nullptr);
      }
      p_.exchange->FinishStream();
    }
    p_.on_end(http_status, status.error_code());
    // Shutdown may cancel a registered context at any time, and stops
    // waiting once nothing is registered: the context outlives its
    // registration, everything else of the call goes before it.
    Backends* backends = p_.backends;
    std::shared_ptr<grpc::ClientContext> context = std::move(p_.context);
    delete this;
    backends->Unregister(context.get());
  }

 private:
  absl::StatusOr<std::string> MessageJson() {
    std::vector<grpc::Slice> slices;
    std::string serialized;
    if (!message_.Dump(&slices).ok()) {
      return absl::InternalError("malformed message from the backend");
    }
    for (const grpc::Slice& slice : slices) {
      serialized.append(reinterpret_cast<const char*>(slice.begin()),
                        slice.size());
    }
    message_.Clear();
    return p_.transcoder->SerializedResponseToJson(serialized);
  }

  SseBridgeParams p_;
  grpc::ByteBuffer message_;
  bool started_ = false;
  bool malformed_message_ = false;
};

}  // namespace

void StartSseBridge(SseBridgeParams params) {
  (new SseBridge(std::move(params)))->Start();
}

}  // namespace helpdesk::gateway
