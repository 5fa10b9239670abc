#ifndef HELPDESK_LIBS_CLIENTS_JOBS_CLIENT_H_
#define HELPDESK_LIBS_CLIENTS_JOBS_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "libs/clients/call_context.h"
#include "libs/outbox/relay.h"

namespace helpdesk::clients {

// Outbox destination name for jobs.
inline constexpr char kJobsDestination[] = "jobs";

// The outbox payload for a job of `type` (e.g. "ticket.assigned") carrying
// `payload` (one of the typed payload messages of jobs.proto). An empty
// `dedupe_key` becomes the outbox row's idempotency key at delivery.
std::string JobPayload(absl::string_view type,
                       const google::protobuf::Message& payload,
                       absl::string_view dedupe_key = "");

// Delivers "jobs" outbox rows through JobService.EnqueueJob (idempotent on
// dedupe_key) with the service credential and a deadline. Thread-safe.
class JobsDeliverer final : public outbox::Deliverer {
 public:
  explicit JobsDeliverer(PeerOptions peer);

  absl::Status Deliver(const outbox::OutboxMessage& message) override;

 private:
  PeerOptions peer_;
  std::unique_ptr<::helpdesk::jobs::v1::JobService::Stub> stub_;
};

}  // namespace helpdesk::clients

#endif  // HELPDESK_LIBS_CLIENTS_JOBS_CLIENT_H_
