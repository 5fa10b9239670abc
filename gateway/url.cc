#include "gateway/url.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"

namespace helpdesk::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(absl::string_view in, bool keep_slash, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int high = HexValue(in[i + 1]);
    const int low = HexValue(in[i + 2]);
    if (high < 0 || low < 0) return false;
    const char decoded = static_cast<char>(high * 16 + low);
    if (keep_slash && decoded == '/') {
      out->append(in.data() + i, 3);
    } else {
      out->push_back(decoded);
    }
    i += 2;
  }
  return true;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseQueryString(absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> name_value =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    std::pair<std::string, std::string> param;
    if (!PercentDecode(absl::StrReplaceAll(name_value.first, {{"+", " "}}),
                       false, &param.first) ||
        !PercentDecode(absl::StrReplaceAll(name_value.second, {{"+", " "}}),
                       false, &param.second)) {
      return absl::InvalidArgumentError(
          "malformed percent-encoding in the query string");
    }
    // A name is quoted back in errors; no field's name is anything but
    // UTF-8. (Values are checked by the field they set.)
    if (!text::CodePointCount(param.first).has_value()) {
      return absl::InvalidArgumentError(
          "a query parameter name is not valid UTF-8");
    }
    params.push_back(std::move(param));
  }
  return params;
}

}  // namespace helpdesk::gateway
