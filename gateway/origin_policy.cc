#include "gateway/origin_policy.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/http_message.h"

namespace helpdesk::gateway {
namespace {

constexpr char kAllowedMethods[] = "GET, POST, PUT, PATCH, DELETE";
constexpr char kAllowedHeaders[] = "Authorization, Content-Type, X-Request-Id";
constexpr char kExposedHeaders[] = "X-Request-Id, Retry-After";
constexpr char kPreflightMaxAgeSeconds[] = "600";

}  // namespace

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed_origins,
                           std::string own_scheme)
    : own_scheme_prefix_(std::move(own_scheme) + "://") {
  for (std::string origin : allowed_origins) {
    absl::StripAsciiWhitespace(&origin);
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    if (!origin.empty()) allowed_.insert(std::move(origin));
  }
}

bool OriginPolicy::IsAllowed(absl::string_view origin) const {
  return allowed_.contains(origin);
}

void OriginPolicy::AddCorsHeaders(std::optional<absl::string_view> origin,
                                  HttpResponse* response) const {
  response->AddHeader("Vary", "Origin");
  if (!origin.has_value() || !IsAllowed(*origin)) return;
  response->AddHeader("Access-Control-Allow-Origin", std::string(*origin));
  response->AddHeader("Access-Control-Allow-Credentials", "true");
  response->AddHeader("Access-Control-Expose-Headers", kExposedHeaders);
}

bool OriginPolicy::IsPreflight(const HttpRequest& request) {
  return request.method == "OPTIONS" && request.Header("origin").has_value() &&
         request.Header("access-control-request-method").has_value();
}

HttpResponse OriginPolicy::AnswerPreflight(const HttpRequest& request) const {
  HttpResponse response;
  std::optional<absl::string_view> origin = request.Header("origin");
  if (!origin.has_value() || !IsAllowed(*origin)) {
    response.status = 403;
    response.AddHeader("Vary", "Origin");
    return response;
  }
  response.status = 204;
  AddCorsHeaders(origin, &response);
  response.AddHeader("Access-Control-Allow-Methods", kAllowedMethods);
  response.AddHeader("Access-Control-Allow-Headers", kAllowedHeaders);
  response.AddHeader("Access-Control-Max-Age", kPreflightMaxAgeSeconds);
  return response;
}

bool OriginPolicy::IsCrossSiteStateChange(const HttpRequest& request) const {
  if (request.method == "GET" || request.method == "HEAD" ||
      request.method == "OPTIONS") {
    return false;
  }
  const std::vector<std::string> origins = request.HeaderValues("origin");
  if (origins.size() > 1) return true;  // ambiguous: no browser sends two
  if (origins.size() == 1) {
    return !IsAllowed(origins[0]) && !IsSameOrigin(request, origins[0]);
  }
  // No Origin (older browsers on some requests): Fetch Metadata, if sent.
  std::optional<absl::string_view> site = request.Header("sec-fetch-site");
  return site.has_value() &&
         absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(*site),
                                "cross-site");
}

bool OriginPolicy::IsSameOrigin(const HttpRequest& request,
                                absl::string_view origin) const {
  // Exactly one Host: with several, which one is "ours" is ambiguous.
  const std::vector<std::string> hosts = request.HeaderValues("host");
  if (hosts.size() != 1 || hosts[0].empty()) return false;
  if (!absl::ConsumePrefix(&origin, own_scheme_prefix_)) return false;
  return absl::EqualsIgnoreCase(origin, hosts[0]);
}

}  // namespace helpdesk::gateway
