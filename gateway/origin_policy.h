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
// state-changing request riding on the session cookie from any other origin.
// Origins are compared exactly ("https://app.example.com", no path).
// Immutable; thread-safe.
class OriginPolicy final {
 public:
  explicit OriginPolicy(const std::vector<std::string>& allowed_origins);

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

  // True when the request changes state (not GET, HEAD or OPTIONS), is
  // authenticated by the session cookie, and names an Origin that is not
  // allowed: a cross-site request forgery to refuse with 403.
  bool IsForgedCookieRequest(const HttpRequest& request,
                             bool authenticated_by_cookie) const;

 private:
  absl::flat_hash_set<std::string> allowed_;
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_ORIGIN_POLICY_H_
