#ifndef HELPDESK_SERVICES_AUTH_SESSION_TOKEN_H_
#define HELPDESK_SERVICES_AUTH_SESSION_TOKEN_H_

#include <string>

#include "absl/strings/string_view.h"

namespace helpdesk::auth {

// Session tokens: 256 bits from OpenSSL's CSPRNG, URL-safe base64 (43
// characters) for the client. The store keeps only SessionTokenDigest(), so
// a copy of the database does not hand out live sessions.
std::string NewSessionToken();

// SHA-256 of the token (32 raw bytes).
std::string SessionTokenDigest(absl::string_view token);

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_SESSION_TOKEN_H_
