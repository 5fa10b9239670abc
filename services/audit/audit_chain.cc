#include "services/audit/audit_chain.h"

#include <openssl/sha.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::audit {
namespace {

void AppendField(std::string& out, absl::string_view field) {
  const uint64_t length = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  out.append(field.data(), field.size());
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

std::string ContentHash(const StoredEvent& event) {
  std::string message = "helpdesk.audit.v1";
  AppendField(message, absl::StrCat(event.id));
  AppendField(message, event.event_key);
  AppendField(message, absl::StrCat(event.actor_id));
  AppendField(message, event.action);
  AppendField(message, event.entity_type);
  AppendField(message, absl::StrCat(event.entity_id));
  AppendField(message, event.before_snapshot);
  AppendField(message, event.after_snapshot);
  AppendField(message, absl::StrCat(absl::ToUnixMicros(event.create_time)));
  return Sha256(message);
}

std::string ChainHash(absl::string_view previous_chain_hash,
                      absl::string_view content_hash) {
  return Sha256(absl::StrCat(previous_chain_hash, content_hash));
}

std::string GenesisHash() { return std::string(SHA256_DIGEST_LENGTH, '\0'); }

}  // namespace helpdesk::audit
