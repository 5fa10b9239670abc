#ifndef HELPDESK_LIBS_TEXT_BIDI_H_
#define HELPDESK_LIBS_TEXT_BIDI_H_

#include <string>

#include "absl/strings/string_view.h"

namespace helpdesk::text {

// `text` without the invisible bidirectional formatting characters, for
// one-line fields that other people's screens show inline (display names,
// ticket titles): the embeddings and overrides U+202A-U+202E, the isolates
// U+2066-U+2069 and the marks U+200E, U+200F and U+061C. An override can
// reorder what follows it on the same line ("Trojan Source", CVE-2021-42574)
// and the marks make a name that looks exactly like another; ordinary
// right-to-left text needs none of them, since the letters carry their own
// direction. Text that is not valid UTF-8 is returned unchanged, so that
// removing a character can never turn invalid input into valid input.
std::string StripBidiControls(absl::string_view text);

// True for the code points StripBidiControls removes.
bool IsBidiControl(char32_t code_point);

}  // namespace helpdesk::text

#endif  // HELPDESK_LIBS_TEXT_BIDI_H_
