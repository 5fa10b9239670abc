#ifndef HELPDESK_LIBS_TEXT_UNICODE_H_
#define HELPDESK_LIBS_TEXT_UNICODE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace helpdesk::text {

// Unicode normalisation and matching, through ICU (Debian's libicu).
// Every function takes UTF-8 and is thread-safe.

// `text` in Normalization Form C (canonical composition: "e" + U+0301
// becomes "é"), or nullopt if `text` is not valid UTF-8.
std::optional<std::string> ToNfc(absl::string_view text);

// A key under which texts that differ only in case or canonical
// composition are equal: NFC, then full Unicode case folding, then NFC
// again ("Straße", "STRASSE" and "strasse" share one key). nullopt if `text`
// is not valid UTF-8.
std::optional<std::string> CaselessKey(absl::string_view text);

// `text` lower-cased with Unicode's full case mapping (root locale, so no
// Turkish dotless-i rules), in NFC, or nullopt if `text` is not valid UTF-8.
std::optional<std::string> ToLower(absl::string_view text);

// True if `text` is not empty and every code point is White_Space
// (ASCII spaces and tabs, U+00A0, U+3000, line and paragraph separators, ...).
// False for invalid UTF-8.
bool IsAllWhitespace(absl::string_view text);

// Calls `visit` with each code point of valid UTF-8 `text` until it
// returns true; returns whether it did (false for invalid UTF-8 too).
bool AnyCodePoint(absl::string_view text,
                  absl::FunctionRef<bool(int32_t code_point)> visit);

}  // namespace helpdesk::text

#endif  // HELPDESK_LIBS_TEXT_UNICODE_H_
