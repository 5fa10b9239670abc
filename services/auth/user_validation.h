#ifndef HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_
#define HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/status/error_details.h"

namespace helpdesk::auth {

// Input rules for accounts. Each check appends what is wrong to
// `violations` (field name as in the proto) and returns the normalised value.

// Trimmed, NFC; the local part lower-cased (Unicode), the domain mapped by
// IDNA (UTS #46: lower case, punycode decoded, so "B\u00DCCHER.de" and
// "xn--bcher-kva.de" are one domain). At most 254 bytes, one '@', a
// non-empty local part of at most 64 characters, a domain with a dot, valid
// UTF-8 without spaces, control or invisible (format) characters. A domain
// label that mixes scripts (a Cyrillic "\u0430" in "\u0430pple") or that
// is written in another script but reads as Latin letters (all-Cyrillic
// "\u0430\u0440\u0440\u04CF\u0435") is refused as a look-alike (UTS #39,
// ICU's spoof checker). Input that cannot be normalised comes back trimmed
// and ASCII-lower-cased.
std::string NormalizeEmail(absl::string_view raw,
                           std::vector<FieldViolation>* violations);

// NFC, without bidirectional controls (text::StripBidiControls), trimmed;
// 1-100 characters (code points), no control characters, not only
// whitespace.
std::string NormalizeName(absl::string_view raw,
                          std::vector<FieldViolation>* violations);

// 8-128 characters (code points), valid UTF-8, not only whitespace, not one
// of the 10 000 most common passwords (IsCommonPassword: caseless, after
// NFC); never trimmed or logged. No composition rules (NIST SP 800-63B).
void CheckNewPassword(absl::string_view password,
                      std::vector<FieldViolation>* violations);

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_USER_VALIDATION_H_
