#ifndef HELPDESK_LIBS_TEXT_UTF8_H_
#define HELPDESK_LIBS_TEXT_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace helpdesk::text {

// Input checks shared by every service's validation.

// The number of code points in `text`, or nullopt if it is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF are invalid).
std::optional<size_t> CodePointCount(absl::string_view text);

// True if `text` contains an ASCII control character other than tab,
// newline and carriage return (or DEL).
bool HasControlCharacters(absl::string_view text, bool allow_newlines);

// The number of whitespace-separated words.
size_t WordCount(absl::string_view text);

}  // namespace helpdesk::text

#endif  // HELPDESK_LIBS_TEXT_UTF8_H_
