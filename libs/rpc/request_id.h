#ifndef HELPDESK_LIBS_RPC_REQUEST_ID_H_
#define HELPDESK_LIBS_RPC_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace helpdesk::rpc {

// The request id ties the log lines of one request together across the
// gateway and every service: the HTTP header X-Request-Id and the gRPC
// metadata key below. A caller may send one; otherwise the first hop makes
// one, and every hop echoes it.
inline constexpr char kRequestIdKey[] = "x-request-id";

// A new id: 32 random hex digits.
std::string NewRequestId();

// Whether a caller's id is taken as is: 1 to 64 printable ASCII characters
// without spaces, so that it goes into logs and headers unescaped.
bool IsAcceptableRequestId(absl::string_view id);

// The caller's id if acceptable, else a new one.
std::string RequestIdOrNew(absl::string_view incoming);

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_REQUEST_ID_H_
