#include "services/auth/user_validation.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/text/bidi.h"
#include "libs/text/unicode.h"
#include "libs/text/utf8.h"
#include "services/auth/password_blocklist.h"
#include "unicode/uchar.h"
#include "unicode/uidna.h"
#include "unicode/uscript.h"
#include "unicode/uspoof.h"
#include "unicode/utf8.h"

namespace helpdesk::auth {
namespace {

constexpr size_t kMaxEmailLength = 254;
constexpr size_t kMaxLocalPartLength = 64;
constexpr size_t kMaxNameLength = 100;
constexpr size_t kMinPasswordLength = 8;
constexpr size_t kMaxPasswordLength = 128;

constexpr char kNotAnEmail[] = "is not a valid email address";

bool LooksLikeEmail(absl::string_view email) {
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  if (local.size() > kMaxLocalPartLength) return false;
  const size_t dot = domain.find('.');
  if (dot == absl::string_view::npos || dot == 0 ||
      absl::EndsWith(domain, ".") || absl::StrContains(domain, "..")) {
    return false;
  }
  for (char c : email) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '<' ||
        c == '>' || c == '"' || c == ',' || c == ';') {
      return false;
    }
  }
  return true;
}

// Controls and format characters (bidi controls, zero-width spaces and
// joiners, soft hyphens) are invisible: an address holding one looks
// exactly like another address.
bool HasInvisibleCharacters(absl::string_view text) {
  if (!text::CodePointCount(text).has_value()) return true;  // not UTF-8
  return text::AnyCodePoint(text, [](UChar32 c) {
    const int8_t type = u_charType(c);
    return c < 0 || type == U_CONTROL_CHAR || type == U_FORMAT_CHAR;
  });
}

// `domain` as IDNA (UTS #46, nontransitional, with the bidi and CONTEXTJ
// rules) maps it for display: lower case, punycode labels decoded, width
// variants folded. nullopt if it is not a valid internationalised domain
// name (empty or overlong labels, leading or trailing hyphens, bad
// punycode, disallowed characters, mixed directions).
std::optional<std::string> MapDomain(absl::string_view domain) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UIDNA, decltype(&uidna_close)> idna(
      uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_UNICODE | UIDNA_CHECK_BIDI |
                          UIDNA_CHECK_CONTEXTJ,
                      &status),
      &uidna_close);
  if (U_FAILURE(status)) return std::nullopt;  // fail closed
  std::string mapped(domain.size() * 2 + 16, '\0');
  for (int round = 0; round < 2; ++round) {
    status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t length = uidna_nameToUnicodeUTF8(
        idna.get(), domain.data(), static_cast<int32_t>(domain.size()),
        mapped.data(), static_cast<int32_t>(mapped.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      mapped.resize(static_cast<size_t>(length));
      continue;
    }
    if (U_FAILURE(status) || info.errors != 0) return std::nullopt;
    mapped.resize(static_cast<size_t>(length));
    return mapped;
  }
  return std::nullopt;
}

// Why the mapped `domain` imitates another one, or nullopt. Checked per
// label, as browsers do, so "\u043F\u0440\u0438\u043C\u0435\u0440.com"
// (Cyrillic, then Latin) is fine while "\u0430pple.com" is not.
std::optional<std::string> LookAlikeProblem(absl::string_view domain) {
  const auto non_ascii = [](UChar32 c) { return c > 0x7F; };
  if (!text::AnyCodePoint(domain, non_ascii)) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<USpoofChecker, decltype(&uspoof_close)> checker(
      uspoof_open(&status), &uspoof_close);
  // Highly restrictive (UTS #39 5.2): one script per label, or Latin with
  // Han and Japanese kana, Bopomofo or Hangul; digits of one system only;
  // no stacked invisible combining marks.
  uspoof_setChecks(
      checker.get(),
      USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS | USPOOF_INVISIBLE,
      &status);
  uspoof_setRestrictionLevel(checker.get(), USPOOF_HIGHLY_RESTRICTIVE);
  if (U_FAILURE(status)) return "could not be checked";  // fail closed
  for (absl::string_view label : absl::StrSplit(domain, '.')) {
    if (!text::AnyCodePoint(label, non_ascii)) continue;
    const auto length = static_cast<int32_t>(label.size());
    status = U_ZERO_ERROR;
    const int32_t result = uspoof_check2UTF8(checker.get(), label.data(),
                                             length, nullptr, &status);
    if (U_FAILURE(status) || result != 0) {
      return "has a look-alike domain (it mixes scripts)";
    }
    // A whole label in another script that still reads as Latin letters
    // ("\u0430\u0440\u0440\u04CF\u0435" is all Cyrillic): its confusable
    // skeleton is plain ASCII.
    const bool latin = text::AnyCodePoint(label, [](UChar32 c) {
      UErrorCode script_status = U_ZERO_ERROR;
      return uscript_getScript(c, &script_status) == USCRIPT_LATIN;
    });
    if (latin) continue;
    std::string skeleton(label.size() * 4 + 16, '\0');
    status = U_ZERO_ERROR;
    const int32_t skeleton_length = uspoof_getSkeletonUTF8(
        checker.get(), 0, label.data(), length, skeleton.data(),
        static_cast<int32_t>(skeleton.size()), &status);
    if (U_FAILURE(status)) return "has a look-alike domain (it mixes scripts)";
    skeleton.resize(static_cast<size_t>(skeleton_length));
    if (!text::AnyCodePoint(skeleton, non_ascii)) {
      return "has a look-alike domain (it reads as Latin letters)";
    }
  }
  return std::nullopt;
}

}  // namespace

std::string NormalizeEmail(absl::string_view raw,
                           std::vector<FieldViolation>* violations) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(raw);
  std::string fallback = absl::AsciiStrToLower(trimmed);
  if (trimmed.empty()) {
    violations->push_back({"email", "is required"});
    return fallback;
  }
  std::optional<std::string> email = text::ToNfc(trimmed);
  if (!email.has_value() || text::HasControlCharacters(*email, false) ||
      HasInvisibleCharacters(*email)) {
    violations->push_back({"email", "contains invalid characters"});
    return fallback;
  }
  if (email->size() > kMaxEmailLength) {
    violations->push_back({"email", "must be at most 254 characters"});
    return fallback;
  }
  if (!LooksLikeEmail(*email)) {
    violations->push_back({"email", kNotAnEmail});
    return fallback;
  }
  const size_t at = email->find('@');
  std::optional<std::string> local = text::ToLower(email->substr(0, at));
  std::optional<std::string> domain = MapDomain(email->substr(at + 1));
  if (!local.has_value() || !domain.has_value()) {
    violations->push_back({"email", kNotAnEmail});
    return fallback;
  }
  std::string normalized = absl::StrCat(*local, "@", *domain);
  if (!LooksLikeEmail(normalized)) {
    violations->push_back({"email", kNotAnEmail});
  } else if (std::optional<std::string> problem = LookAlikeProblem(*domain)) {
    violations->push_back({"email", *std::move(problem)});
  }
  return normalized;
}

std::string NormalizeName(absl::string_view raw,
                          std::vector<FieldViolation>* violations) {
  std::optional<std::string> nfc = text::ToNfc(raw);
  if (!nfc.has_value()) {
    violations->push_back({"name", "contains invalid characters"});
    return std::string(absl::StripAsciiWhitespace(raw));
  }
  const std::string visible = text::StripBidiControls(*nfc);
  std::string name(absl::StripAsciiWhitespace(visible));
  const size_t length = text::CodePointCount(name).value_or(0);
  if (text::HasControlCharacters(name, false)) {
    violations->push_back({"name", "contains invalid characters"});
  } else if (name.empty() || text::IsAllWhitespace(name)) {
    violations->push_back({"name", "is required"});
  } else if (length > kMaxNameLength) {
    violations->push_back({"name", "must be at most 100 characters"});
  }
  return name;
}

void CheckNewPassword(absl::string_view password,
                      std::vector<FieldViolation>* violations) {
  std::optional<size_t> length = text::CodePointCount(password);
  if (!length.has_value()) {
    violations->push_back({"password", "contains invalid characters"});
  } else if (*length < kMinPasswordLength) {
    violations->push_back({"password", "must be at least 8 characters"});
  } else if (*length > kMaxPasswordLength) {
    violations->push_back({"password", "must be at most 128 characters"});
  } else if (text::IsAllWhitespace(password)) {
    violations->push_back({"password", "must not be only whitespace"});
  } else if (IsCommonPassword(password)) {
    violations->push_back({"password", "is too common"});
  }
}

}  // namespace helpdesk::auth
