#include "services/ticket/ticket_validation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/text/bidi.h"
#include "libs/text/utf8.h"

namespace helpdesk::ticket {
namespace {

struct TextRule {
  size_t min_words = 0;  // 0: no word rule
  size_t max_words = 0;
  size_t max_characters = 0;
  bool allow_newlines = false;
  bool required = true;
  // One-line fields shown inline among other people's text lose their
  // bidirectional controls (text::StripBidiControls); bodies keep them.
  bool strip_bidi_controls = false;
};

std::string Normalize(absl::string_view raw, absl::string_view field,
                      const TextRule& rule,
                      std::vector<FieldViolation>* violations) {
  const std::string visible = rule.strip_bidi_controls
                                  ? text::StripBidiControls(raw)
                                  : std::string(raw);
  std::string text(absl::StripAsciiWhitespace(visible));
  const std::string name(field);
  std::optional<size_t> characters = text::CodePointCount(text);
  if (!characters || text::HasControlCharacters(text, rule.allow_newlines)) {
    violations->push_back({name, "contains invalid characters"});
    return text;
  }
  if (text.empty()) {
    if (rule.required) violations->push_back({name, "is required"});
    return text;
  }
  if (*characters > rule.max_characters) {
    violations->push_back(
        {name,
         absl::StrCat("must be at most ", rule.max_characters, " characters")});
    return text;
  }
  if (rule.max_words > 0) {
    const size_t words = text::WordCount(text);
    if (words < rule.min_words || words > rule.max_words) {
      violations->push_back(
          {name, absl::StrCat("must be ", rule.min_words, " to ",
                              rule.max_words, " words (it has ", words, ")")});
    }
  }
  return text;
}

}  // namespace

std::string NormalizeTitle(absl::string_view raw, absl::string_view field,
                           std::vector<FieldViolation>* violations) {
  return Normalize(raw, field, {1, 15, 500, false, true, true}, violations);
}

std::string NormalizeBody(absl::string_view raw, absl::string_view field,
                          std::vector<FieldViolation>* violations) {
  return Normalize(raw, field, {1, 300, 20000, true, true}, violations);
}

std::string NormalizeNoteBody(absl::string_view raw, absl::string_view field,
                              std::vector<FieldViolation>* violations) {
  return Normalize(raw, field, {0, 0, 2000, true, true}, violations);
}

std::string NormalizeQuery(absl::string_view raw,
                           std::vector<FieldViolation>* violations) {
  return Normalize(raw, "query", {0, 0, 200, false, false}, violations);
}

}  // namespace helpdesk::ticket
