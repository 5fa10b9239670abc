#include "libs/clients/call_context.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/principal.h"

namespace helpdesk::clients {

void PrepareContext(const PeerOptions& peer, grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + peer.deadline));
  context->AddMetadata(auth::kServiceTokenKey, peer.service_token);
}

}  // namespace helpdesk::clients
