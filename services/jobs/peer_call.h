#ifndef HELPDESK_SERVICES_JOBS_PEER_CALL_H_
#define HELPDESK_SERVICES_JOBS_PEER_CALL_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/clients/call_context.h"

namespace helpdesk::jobs {

// Fills `context` for one call a job handler makes to a peer: the service
// credential, and the peer's per-call deadline or the job's `deadline`
// (real time), whichever comes first.
inline void PrepareJobCall(const clients::PeerOptions& peer,
                           absl::Time deadline, grpc::ClientContext* context) {
  clients::PrepareContext(peer, context);
  if (deadline < absl::Now() + peer.deadline) {
    context->set_deadline(absl::ToChronoTime(deadline));
  }
}

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_PEER_CALL_H_
