#include "gateway/session_cookie.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace helpdesk::gateway {
namespace {

// RFC 6265 cookie-octet.
bool IsCookieOctet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) ||
         (u >= 0x3c && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

std::string Attributes(int64_t max_age_seconds, bool secure) {
  return absl::StrCat("; Path=/; Max-Age=", max_age_seconds,
                      "; HttpOnly; SameSite=Lax", secure ? "; Secure" : "");
}

}  // namespace

std::optional<std::string> FindCookie(absl::string_view cookie_header,
                                      absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(cookie_header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;
    if (absl::StripAsciiWhitespace(pair.substr(0, equals)) != name) continue;
    absl::string_view value =
        absl::StripAsciiWhitespace(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), IsCookieOctet)) {
      return std::nullopt;
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string SessionCookie(absl::string_view token, int64_t max_age_seconds,
                          bool secure) {
  return absl::StrCat(
      kSessionCookieName, "=", token,
      Attributes(std::max<int64_t>(max_age_seconds, 0), secure));
}

std::string ExpiredSessionCookie(bool secure) {
  return absl::StrCat(kSessionCookieName, "=", Attributes(0, secure));
}

}  // namespace helpdesk::gateway
