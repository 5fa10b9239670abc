#include "services/auth/password_blocklist.h"

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/text/unicode.h"
#include "services/auth/common_passwords_gen.h"

namespace helpdesk::auth {
namespace {

using CaselessSet = absl::flat_hash_set<std::string>;

// The embedded list, one caseless key per entry; comments and blank lines
// skipped.
const CaselessSet* BuildList() {
  auto* list = new CaselessSet();
  for (const common_passwords::EmbeddedFile& file :
       common_passwords::EmbeddedFiles()) {
    for (absl::string_view line : absl::StrSplit(
             absl::string_view(file.bytes.data(), file.bytes.size()), '\n')) {
      if (line.empty() || line.front() == '#') continue;
      if (std::optional<std::string> key = text::CaselessKey(line)) {
        list->insert(*std::move(key));
      }
    }
  }
  return list;
}

}  // namespace

bool IsCommonPassword(absl::string_view password) {
  // Built once and never changed or freed: a read-only table, not state.
  static const CaselessSet* const kList = BuildList();
  std::optional<std::string> key = text::CaselessKey(password);
  return key.has_value() && kList->contains(*key);
}

}  // namespace helpdesk::auth
