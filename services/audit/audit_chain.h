#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_CHAIN_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::audit {

// The stored form of one audit event, as hashed.
struct StoredEvent {
  int64_t id = 0;
  std::string event_key;
  int64_t actor_id = 0;
  std::string action;
  std::string entity_type;
  int64_t entity_id = 0;
  std::string before_snapshot;  // serialized google.protobuf.Struct
  std::string after_snapshot;
  absl::Time create_time;
  std::string content_hash;  // SHA-256 of the fields above
  std::string chain_hash;    // SHA-256(previous chain_hash || content_hash)
};

// The tamper-evident chain: each event's content hash covers every stored
// field (length-prefixed, so fields cannot bleed into each other), and its
// chain hash covers the previous event's chain hash. Editing any row, or
// removing one in the middle, breaks the chain at that row or the next.
std::string ContentHash(const StoredEvent& event);
std::string ChainHash(absl::string_view previous_chain_hash,
                      absl::string_view content_hash);

// The chain hash "before" the first event: 32 zero bytes.
std::string GenesisHash();

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_CHAIN_H_
