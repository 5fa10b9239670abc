#ifndef HELPDESK_GATEWAY_HTTP_MESSAGE_H_
#define HELPDESK_GATEWAY_HTTP_MESSAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

// Plain HTTP/1.1 messages between the server (http_server.h) and the
// gateway's handler, so that only the server knows Boost.Beast.

struct HttpHeader {
  std::string name;  // lower-case in requests
  std::string value;
};

struct HttpRequest {
  std::string method;  // e.g. "GET", as sent
  std::string target;  // path and query, e.g. "/v1/auditEvents?pageSize=2"
  std::vector<HttpHeader> headers;
  std::string body;
  std::string peer_address;  // the TCP peer's IP address

  // The first value of header `name` (lower-case), if present.
  std::optional<absl::string_view> Header(absl::string_view name) const;
  // Every value of header `name` (lower-case), in order.
  std::vector<std::string> HeaderValues(absl::string_view name) const;
  absl::string_view path() const;
  absl::string_view query() const;  // after '?', "" when none
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;
  // Close the connection after this response (keep-alive otherwise, when
  // the client allows it).
  bool close_connection = false;

  void AddHeader(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_HTTP_MESSAGE_H_
