#ifndef HELPDESK_GATEWAY_URL_H_
#define HELPDESK_GATEWAY_URL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

// Percent-decodes `in` into `out`. With `keep_slash`, "%2F" stays encoded
// (the values of multi-segment path variables keep reserved characters).
// False on a malformed escape.
bool PercentDecode(absl::string_view in, bool keep_slash, std::string* out);

// The decoded name/value pairs of a query string (the part after '?'), in
// order; '+' means a space. INVALID_ARGUMENT on a malformed escape or a name
// that is not UTF-8.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseQueryString(absl::string_view query);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_URL_H_
