#ifndef HELPDESK_LIBS_AUTH_SERVICE_CREDENTIAL_H_
#define HELPDESK_LIBS_AUTH_SERVICE_CREDENTIAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::auth {

// The shared secret Helpdesk services present to each other in the
// `x-helpdesk-service-token` metadata key. helpdeskd makes one at start;
// separate processes read the same file (--service_token_file).

// 256 random bits, hex-encoded.
std::string GenerateServiceToken();

// Reads the token from `path` (surrounding whitespace ignored). An empty or
// short file is FAILED_PRECONDITION: a weak secret must not start a server.
absl::StatusOr<std::string> ReadServiceToken(const std::string& path);

// The token in `path`, or — when `path` is empty — a fresh one, with a
// warning that no other process can make internal calls to this one.
absl::StatusOr<std::string> LoadOrGenerateServiceToken(const std::string& path);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace helpdesk::auth

#endif  // HELPDESK_LIBS_AUTH_SERVICE_CREDENTIAL_H_
