#ifndef HELPDESK_SERVICES_AUTH_PASSWORD_BLOCKLIST_H_
#define HELPDESK_SERVICES_AUTH_PASSWORD_BLOCKLIST_H_

#include "absl/strings/string_view.h"

namespace helpdesk::auth {

// True if `password` is one of the 10 000 most common passwords
// (services/auth/common_passwords.txt, embedded in the binary), compared
// caselessly after NFC (text::CaselessKey): "PassWord1" matches "password1".
// Invalid UTF-8 is never on the list. The list is parsed once, on the first
// call; thread-safe.
bool IsCommonPassword(absl::string_view password);

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_PASSWORD_BLOCKLIST_H_
