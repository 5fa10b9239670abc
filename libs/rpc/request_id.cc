#include "libs/rpc/request_id.h"

#include <cstdint>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace helpdesk::rpc {

namespace {
constexpr size_t kMaxRequestIdLength = 64;
}  // namespace

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

bool IsAcceptableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RequestIdOrNew(absl::string_view incoming) {
  return IsAcceptableRequestId(incoming) ? std::string(incoming)
                                         : NewRequestId();
}

}  // namespace helpdesk::rpc
