#include "gateway/http_message.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

std::optional<absl::string_view> HttpRequest::Header(
    absl::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (header.name == name) return absl::string_view(header.value);
  }
  return std::nullopt;
}

std::vector<std::string> HttpRequest::HeaderValues(
    absl::string_view name) const {
  std::vector<std::string> values;
  for (const HttpHeader& header : headers) {
    if (header.name == name) values.push_back(header.value);
  }
  return values;
}

absl::string_view HttpRequest::path() const {
  absl::string_view view = target;
  return view.substr(0, view.find('?'));
}

absl::string_view HttpRequest::query() const {
  absl::string_view view = target;
  const size_t mark = view.find('?');
  return mark == absl::string_view::npos ? "" : view.substr(mark + 1);
}

}  // namespace helpdesk::gateway
