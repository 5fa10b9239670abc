#include "gateway/sse.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::gateway {
namespace {

// Field values end at CR or LF; neither may appear inside one.
std::string OneLine(absl::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

std::string SseEvent(absl::string_view data, absl::string_view event) {
  std::string out;
  if (!event.empty()) absl::StrAppend(&out, "event: ", OneLine(event), "\n");
  for (absl::string_view line : absl::StrSplit(data, '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  out += "\n";
  return out;
}

std::string SseComment(absl::string_view text) {
  return absl::StrCat(": ", OneLine(text), "\n\n");
}

std::string SseRetry(absl::Duration delay) {
  return absl::StrCat("retry: ", absl::ToInt64Milliseconds(delay), "\n\n");
}

}  // namespace helpdesk::gateway
