#include "libs/clients/call_context.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/principal.h"

namespace helpdesk::clients {

std::shared_ptr<grpc::Channel> PeerChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

void PrepareContext(const PeerOptions& peer, grpc::ClientContext* context,
                    absl::Time not_after) {
  context->set_deadline(
      absl::ToChronoTime(std::min(absl::Now() + peer.deadline, not_after)));
  context->AddMetadata(auth::kServiceTokenKey, peer.service_token);
}

}  // namespace helpdesk::clients
