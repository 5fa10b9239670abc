#ifndef HELPDESK_GATEWAY_ORIGIN_POLICY_H_
#define HELPDESK_GATEWAY_ORIGIN_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "gateway/http_message.h"

namespace helpdesk::gateway {

// Which browser origins may use the API with credentials: CORS answers for
// them (including preflights), and the CSRF rule that refuses a
// state-changing request from any other origin.
// Origins are compared exactly ("https://app.example.com", no path).
//
// Pages the gateway serves itself (the web console) are same-origin: their
// state-changing requests carry `Origin: <scheme>://<Host>`, which the CSRF
// rule accepts. That opens nothing to other sites: a browser sets Host to
// the server it talks to and sends a host's cookies only to that host, so a
// page elsewhere cannot send both this gateway's cookie and an Origin equal
// to the Host (a DNS-rebound name is another host, without our cookie).
// Same-origin requests need no CORS headers and get none.
// Immutable; thread-safe.
class OriginPolicy final {
 public:
  // `own_scheme`: the scheme browsers reach the gateway with ("https" behind
  // a TLS proxy).
  explicit OriginPolicy(const std::vector<std::string>& allowed_origins,
                        std::string own_scheme = "http");

  bool IsAllowed(absl::string_view origin) const;

  // Adds `Vary: Origin` and, for an allowed `origin` (the request's Origin
  // header, if any), the CORS headers that let the page read the response
  // with credentials.
  void AddCorsHeaders(std::optional<absl::string_view> origin,
                      HttpResponse* response) const;

  // OPTIONS with Origin and Access-Control-Request-Method.
  static bool IsPreflight(const HttpRequest& request);

  // 204 with the allowed methods and headers for an allowed origin; 403
  // otherwise.
  HttpResponse AnswerPreflight(const HttpRequest& request) const;

  // True when `origin` is `<own scheme>://<the request's Host>` (a request
  // with several Host headers has none).
  bool IsSameOrigin(const HttpRequest& request, absl::string_view origin) const;

  // True when the request changes state (not GET, HEAD or OPTIONS) and
  // comes from another site: its Origin (exactly one) is neither allowed nor
  // the gateway's own, it has several Origin headers, or, without an Origin,
  // it says `Sec-Fetch-Site: cross-site`. A cross-site request forgery to
  // refuse with 403, whatever authenticates it: without a cookie too (login
  // CSRF signs the victim in as the attacker), and with a bearer token (a
  // foreign page cannot send one anyway, as its preflight is refused).
  bool IsCrossSiteStateChange(const HttpRequest& request) const;

 private:
  absl::flat_hash_set<std::string> allowed_;
  std::string own_scheme_prefix_;  // e.g. "http://"
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_ORIGIN_POLICY_H_
