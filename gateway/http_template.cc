#include "gateway/http_template.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace helpdesk::gateway {
namespace {

class TemplateParser {
 public:
  explicit TemplateParser(absl::string_view text)
      : original_(text), text_(text) {}

  absl::StatusOr<HttpTemplate> Parse() {
    if (text_.empty() || text_[0] != '/') {
      return Error("must start with '/'");
    }
    // The verb is a ':' outside any variable; literals cannot hold one.
    int depth = 0;
    for (size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '{') ++depth;
      if (text_[i] == '}') --depth;
      if (text_[i] == ':' && depth == 0) {
        result_.verb = std::string(text_.substr(i + 1));
        if (result_.verb.empty() ||
            result_.verb.find_first_of("/{}*:") != std::string::npos) {
          return Error("invalid custom verb");
        }
        text_ = text_.substr(0, i);
        break;
      }
    }
    pos_ = 1;
    if (absl::Status status = ParseSegments(/*in_variable=*/false);
        !status.ok()) {
      return status;
    }
    if (pos_ != text_.size()) return Error("unexpected character");
    for (size_t i = 0; i + 1 < result_.segments.size(); ++i) {
      if (result_.segments[i].kind == HttpTemplate::SegmentKind::kMulti) {
        return Error("'**' must be the last segment");
      }
    }
    std::set<std::vector<std::string>> seen;
    for (const auto& variable : result_.variables) {
      if (!seen.insert(variable.field_path).second) {
        return Error("a field is bound twice");
      }
    }
    return result_;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", original_, "\": ", what));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  absl::Status ParseSegments(bool in_variable) {
    while (true) {
      if (absl::Status status = ParseSegment(in_variable); !status.ok()) {
        return status;
      }
      if (AtEnd() || Peek() != '/') return absl::OkStatus();
      ++pos_;
    }
  }

  absl::Status ParseSegment(bool in_variable) {
    using Kind = HttpTemplate::SegmentKind;
    if (AtEnd()) return Error("empty segment");
    if (text_.substr(pos_, 2) == "**") {
      pos_ += 2;
      result_.segments.push_back({Kind::kMulti, ""});
      return absl::OkStatus();
    }
    if (Peek() == '*') {
      ++pos_;
      result_.segments.push_back({Kind::kSingle, ""});
      return absl::OkStatus();
    }
    if (Peek() == '{') {
      if (in_variable) return Error("nested variable");
      return ParseVariable();
    }
    const size_t start = pos_;
    while (!AtEnd() && Peek() != '/' && Peek() != '{' && Peek() != '}') {
      if (Peek() == '*') return Error("'*' inside a literal");
      ++pos_;
    }
    if (pos_ == start) return Error("empty segment");
    result_.segments.push_back(
        {Kind::kLiteral, std::string(text_.substr(start, pos_ - start))});
    return absl::OkStatus();
  }

  absl::Status ParseVariable() {
    ++pos_;  // '{'
    HttpTemplate::Variable variable;
    while (true) {
      const size_t start = pos_;
      while (!AtEnd() && (absl::ascii_isalnum(Peek()) || Peek() == '_')) {
        ++pos_;
      }
      if (pos_ == start || absl::ascii_isdigit(text_[start])) {
        return Error("invalid field path in variable");
      }
      variable.field_path.emplace_back(text_.substr(start, pos_ - start));
      if (AtEnd() || Peek() != '.') break;
      ++pos_;
    }
    variable.first_segment = static_cast<int>(result_.segments.size());
    if (!AtEnd() && Peek() == '=') {
      ++pos_;
      if (absl::Status status = ParseSegments(/*in_variable=*/true);
          !status.ok()) {
        return status;
      }
    } else {
      result_.segments.push_back({HttpTemplate::SegmentKind::kSingle, ""});
    }
    if (AtEnd() || Peek() != '}') return Error("unterminated variable");
    ++pos_;
    variable.end_segment = static_cast<int>(result_.segments.size());
    result_.variables.push_back(std::move(variable));
    return absl::OkStatus();
  }

  const std::string original_;
  absl::string_view text_;
  size_t pos_ = 0;
  HttpTemplate result_;
};

}  // namespace

std::string HttpTemplate::Shape() const {
  std::string shape;
  for (const Segment& segment : segments) {
    shape += '/';
    switch (segment.kind) {
      case SegmentKind::kLiteral:
        shape += segment.literal;
        break;
      case SegmentKind::kSingle:
        shape += '*';
        break;
      case SegmentKind::kMulti:
        shape += "**";
        break;
    }
  }
  if (!verb.empty()) absl::StrAppend(&shape, ":", verb);
  return shape;
}

absl::StatusOr<HttpTemplate> ParseHttpTemplate(absl::string_view text) {
  return TemplateParser(text).Parse();
}

}  // namespace helpdesk::gateway
