#ifndef HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_
#define HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/status/error_details.h"

namespace helpdesk::auth {

// Input rules for accounts. Each check appends what is wrong to
// `violations` (field name as in the proto) and returns the normalised value.

// Trimmed and lower-cased; at most 254 characters, one '@', a non-empty
// local part of at most 64 characters, a domain with a dot, no spaces or
// control characters, valid UTF-8.
std::string NormalizeEmail(absl::string_view raw,
                           std::vector<FieldViolation>* violations);

// Trimmed; 1-100 characters (code points), no control characters.
std::string NormalizeName(absl::string_view raw,
                          std::vector<FieldViolation>* violations);

// 8-128 characters (code points), valid UTF-8; never trimmed or logged.
// Length only, no composition rules (NIST SP 800-63B).
void CheckNewPassword(absl::string_view password,
                      std::vector<FieldViolation>* violations);

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_
