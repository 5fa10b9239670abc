#ifndef HELPDESK_GATEWAY_CLIENT_ADDRESS_H_
#define HELPDESK_GATEWAY_CLIENT_ADDRESS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

// The address of the client behind `trusted_proxies` reverse proxies.
//
// The chain is every X-Forwarded-For entry, in order, followed by the TCP
// peer. Each trusted proxy appended the address it saw, so the client is
// the entry `trusted_proxies` places from the right: with 0 the peer itself
// (X-Forwarded-For is ignored, as anyone can send it), with 1 the last
// X-Forwarded-For entry, and so on. A chain shorter than that yields its
// leftmost entry; an entry that is not an IP address yields the peer.
std::string ClientAddress(absl::string_view peer_ip,
                          const std::vector<std::string>& forwarded_for,
                          int trusted_proxies);

// Who a connection from `peer_ip` (the TCP peer, never X-Forwarded-For)
// counts against for the per-client connection limit: an IPv4 address
// itself, an IPv6 one by its /64 ("2001:db8:1:2::/64": one host, or one
// customer, usually holds a whole /64). Anything else as it is.
std::string ConnectionLimitKey(absl::string_view peer_ip);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_CLIENT_ADDRESS_H_
