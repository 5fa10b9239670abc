#include "services/auth/user_validation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"

namespace helpdesk::auth {
namespace {

constexpr size_t kMaxEmailLength = 254;
constexpr size_t kMaxLocalPartLength = 64;
constexpr size_t kMaxNameLength = 100;
constexpr size_t kMinPasswordLength = 8;
constexpr size_t kMaxPasswordLength = 128;

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

}  // namespace

std::string NormalizeEmail(absl::string_view raw,
                           std::vector<FieldViolation>* violations) {
  std::string email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
  if (email.empty()) {
    violations->push_back({"email", "is required"});
  } else if (!text::CodePointCount(email).has_value() ||
             text::HasControlCharacters(email, false)) {
    violations->push_back({"email", "contains invalid characters"});
  } else if (email.size() > kMaxEmailLength) {
    violations->push_back({"email", "must be at most 254 characters"});
  } else if (!LooksLikeEmail(email)) {
    violations->push_back({"email", "is not a valid email address"});
  }
  return email;
}

std::string NormalizeName(absl::string_view raw,
                          std::vector<FieldViolation>* violations) {
  std::string name(absl::StripAsciiWhitespace(raw));
  std::optional<size_t> length = text::CodePointCount(name);
  if (!length.has_value() || text::HasControlCharacters(name, false)) {
    violations->push_back({"name", "contains invalid characters"});
  } else if (*length == 0) {
    violations->push_back({"name", "is required"});
  } else if (*length > kMaxNameLength) {
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
  }
}

}  // namespace helpdesk::auth
