#ifndef HELPDESK_GATEWAY_SESSION_COOKIE_H_
#define HELPDESK_GATEWAY_SESSION_COOKIE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

// The browser session cookie that carries the session token, so that page
// scripts never see it.
inline constexpr char kSessionCookieName[] = "sid";

// The value of cookie `name` in a Cookie request header ("a=1; sid=xyz"),
// if present and made only of cookie-safe characters.
std::optional<std::string> FindCookie(absl::string_view cookie_header,
                                      absl::string_view name);

// Set-Cookie values: the session cookie (HttpOnly; SameSite=Lax; Path=/;
// Max-Age; Secure when `secure`), and its deletion (Max-Age=0).
std::string SessionCookie(absl::string_view token, int64_t max_age_seconds,
                          bool secure);
std::string ExpiredSessionCookie(bool secure);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_SESSION_COOKIE_H_
