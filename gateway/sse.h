#ifndef HELPDESK_GATEWAY_SSE_H_
#define HELPDESK_GATEWAY_SSE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::gateway {

// Server-Sent Events framing (text/event-stream, WHATWG HTML §9.2).

// One event: an optional `event:` line, one `data:` line per line of `data`
// (so a payload with newlines survives), and the blank line that ends it.
std::string SseEvent(absl::string_view data, absl::string_view event = "");

// A comment line, which clients ignore: a keep-alive for proxies and for
// noticing a client that left.
std::string SseComment(absl::string_view text);

// Tells the client how long to wait before reconnecting.
std::string SseRetry(absl::Duration delay);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_SSE_H_
