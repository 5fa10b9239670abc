#include "gateway/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace helpdesk::gateway {
namespace {

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

}  // namespace

std::string ClientAddress(absl::string_view peer_ip,
                          const std::vector<std::string>& forwarded_for,
                          int trusted_proxies) {
  if (trusted_proxies <= 0) return std::string(peer_ip);
  std::vector<std::string> chain;
  for (const std::string& header : forwarded_for) {
    for (absl::string_view entry : absl::StrSplit(header, ',')) {
      entry = absl::StripAsciiWhitespace(entry);
      if (!entry.empty()) chain.emplace_back(entry);
    }
  }
  chain.emplace_back(peer_ip);
  const int index =
      std::max(0, static_cast<int>(chain.size()) - 1 - trusted_proxies);
  const std::string& client = chain[index];
  return IsIpAddress(client) ? client : std::string(peer_ip);
}

std::string ConnectionLimitKey(absl::string_view peer_ip) {
  const std::string text(peer_ip);
  unsigned char address[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET6, text.c_str(), address) != 1) return text;
  for (size_t i = 8; i < sizeof address; ++i) address[i] = 0;
  char network[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, address, network, sizeof network) == nullptr) {
    return text;
  }
  return std::string(network) + "/64";
}

}  // namespace helpdesk::gateway
