#include "libs/text/bidi.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"

namespace helpdesk::text {

bool IsBidiControl(char32_t code_point) {
  return (code_point >= 0x202A && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069) ||
         code_point == 0x200E || code_point == 0x200F || code_point == 0x061C;
}

std::string StripBidiControls(absl::string_view text) {
  if (!CodePointCount(text).has_value()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    const size_t length = lead < 0x80             ? 1
                          : (lead & 0xE0) == 0xC0 ? 2
                          : (lead & 0xF0) == 0xE0 ? 3
                                                  : 4;
    // Valid UTF-8 (checked above): every sequence is complete.
    char32_t code_point = length == 1   ? lead
                          : length == 2 ? lead & 0x1F
                          : length == 3 ? lead & 0x0F
                                        : lead & 0x07;
    for (size_t k = 1; k < length; ++k) {
      code_point =
          (code_point << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
    }
    if (!IsBidiControl(code_point)) out.append(text.data() + i, length);
    i += length;
  }
  return out;
}

}  // namespace helpdesk::text
