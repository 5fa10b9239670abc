#include "libs/text/unicode.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"
#include "unicode/locid.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace helpdesk::text {
namespace {

// ICU's UTF-8 entry points replace malformed input with U+FFFD; callers
// must not see such a silent repair, so invalid input is refused first.
bool IsValidUtf8(absl::string_view text) {
  return CodePointCount(text).has_value();
}

std::optional<icu::UnicodeString> Nfc(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString normalized = nfc->normalize(text, status);
  if (U_FAILURE(status)) return std::nullopt;
  return normalized;
}

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

std::optional<std::string> ToNfc(absl::string_view text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  std::optional<icu::UnicodeString> nfc = Nfc(icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))));
  if (!nfc) return std::nullopt;
  return ToUtf8(*nfc);
}

std::optional<std::string> CaselessKey(absl::string_view text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  std::optional<icu::UnicodeString> nfc = Nfc(icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))));
  if (!nfc) return std::nullopt;
  nfc->foldCase(U_FOLD_CASE_DEFAULT);
  std::optional<icu::UnicodeString> key = Nfc(*nfc);
  if (!key) return std::nullopt;
  return ToUtf8(*key);
}

std::optional<std::string> ToLower(absl::string_view text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  icu::UnicodeString lower = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  lower.toLower(icu::Locale::getRoot());
  std::optional<icu::UnicodeString> nfc = Nfc(lower);
  if (!nfc) return std::nullopt;
  return ToUtf8(*nfc);
}

bool IsAllWhitespace(absl::string_view text) {
  if (text.empty() || !IsValidUtf8(text)) return false;
  return !AnyCodePoint(text, [](int32_t c) { return !u_isUWhiteSpace(c); });
}

bool AnyCodePoint(absl::string_view text,
                  absl::FunctionRef<bool(int32_t code_point)> visit) {
  if (!IsValidUtf8(text)) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (visit(c)) return true;
  }
  return false;
}

}  // namespace helpdesk::text
