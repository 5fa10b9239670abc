#include "tests/readme/grpcurl_format.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace helpdesk::readme {
namespace {

// A parsed JSON value. Strings, numbers and literals keep their source text.
struct Node {
  enum class Kind { kScalar, kObject, kArray };
  Kind kind = Kind::kScalar;
  std::string text;                                   // kScalar
  std::vector<std::pair<std::string, Node>> members;  // kObject; keys quoted
  std::vector<Node> elements;                         // kArray
};

// A JSON string token (quotes included) escaped the way Go's encoding/json
// escapes it, from protobuf's escaping: "&" as \u0026 (protobuf keeps it),
// DEL unescaped (protobuf writes \u007f). The rest agrees.
std::string GoEscaped(absl::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '&') {
      out += "\\u0026";
    } else if (token[i] == '\\' && token.substr(i, 6) == "\\u007f") {
      out += '\x7f';
      i += 5;
    } else if (token[i] == '\\' && i + 1 < token.size()) {
      absl::StrAppend(&out, token.substr(i, 2));
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// A recursive-descent JSON reader over one string.
class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }
  size_t pos() const { return pos_; }

  absl::StatusOr<Node> Value() {
    SkipSpace();
    if (pos_ == text_.size()) return Error("unexpected end of JSON");
    const char c = text_[pos_];
    if (c == '{') return Container('}');
    if (c == '[') return Container(']');
    Node node;
    if (c == '"') {
      absl::StatusOr<std::string> text = String();
      if (!text.ok()) return text.status();
      node.text = *std::move(text);
      return node;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
            text_[pos_] == '-' || text_[pos_] == '+' || text_[pos_] == '.')) {
      ++pos_;
    }
    if (pos_ == start) return Error("unexpected character");
    node.text = std::string(text_.substr(start, pos_ - start));
    return node;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", pos_, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Take(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  absl::StatusOr<std::string> String() {
    const size_t start = pos_++;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      pos_ += text_[pos_] == '\\' ? 2 : 1;
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return GoEscaped(text_.substr(start, pos_ - start));
  }

  absl::StatusOr<Node> Container(char close) {
    Node node;
    node.kind = close == '}' ? Node::Kind::kObject : Node::Kind::kArray;
    ++pos_;
    if (Take(close)) return node;
    do {
      if (close == '}') {
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '"') {
          return Error("expected an object key");
        }
        absl::StatusOr<std::string> key = String();
        if (!key.ok()) return key.status();
        if (!Take(':')) return Error("expected ':'");
        absl::StatusOr<Node> value = Value();
        if (!value.ok()) return value.status();
        node.members.emplace_back(*std::move(key), *std::move(value));
      } else {
        absl::StatusOr<Node> value = Value();
        if (!value.ok()) return value.status();
        node.elements.push_back(*std::move(value));
      }
    } while (Take(','));
    if (!Take(close))
      return Error(close == '}' ? "expected '}'" : "expected ']'");
    return node;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

bool IsAny(const Node& node) {
  return std::any_of(
      node.members.begin(), node.members.end(),
      [](const auto& member) { return member.first == "\"@type\""; });
}

// One line, as encoding/json marshals a map (keys sorted) for an Any.
void PrintCompact(const Node& node, std::string& out) {
  switch (node.kind) {
    case Node::Kind::kScalar:
      out += node.text;
      return;
    case Node::Kind::kArray:
      out += '[';
      for (size_t i = 0; i < node.elements.size(); ++i) {
        if (i > 0) out += ',';
        PrintCompact(node.elements[i], out);
      }
      out += ']';
      return;
    case Node::Kind::kObject: {
      std::vector<const std::pair<std::string, Node>*> members;
      for (const auto& member : node.members) members.push_back(&member);
      if (IsAny(node)) {
        std::stable_sort(
            members.begin(), members.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
      }
      out += '{';
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        absl::StrAppend(&out, members[i]->first, ":");
        PrintCompact(members[i]->second, out);
      }
      out += '}';
      return;
    }
  }
}

void NewLine(int depth, std::string& out) {
  out += '\n';
  out.append(2 * depth, ' ');
}

// jhump/protoreflect's indentBuffer: "{" newline, members joined by ",\n",
// newline "}" -- also when there are no members.
void PrintIndented(const Node& node, int depth, std::string& out) {
  if (node.kind == Node::Kind::kScalar || IsAny(node)) {
    PrintCompact(node, out);
    return;
  }
  const bool object = node.kind == Node::Kind::kObject;
  const size_t size = object ? node.members.size() : node.elements.size();
  out += object ? '{' : '[';
  NewLine(depth + 1, out);
  for (size_t i = 0; i < size; ++i) {
    if (i > 0) {
      out += ',';
      NewLine(depth + 1, out);
    }
    if (object) {
      absl::StrAppend(&out, node.members[i].first, ": ");
      PrintIndented(node.members[i].second, depth + 1, out);
    } else {
      PrintIndented(node.elements[i], depth + 1, out);
    }
  }
  NewLine(depth, out);
  out += object ? '}' : ']';
}

}  // namespace

absl::StatusOr<std::string> GrpcurlLayout(absl::string_view json) {
  Reader reader(json);
  absl::StatusOr<Node> node = reader.Value();
  if (!node.ok()) return node.status();
  if (!reader.AtEnd()) {
    return absl::InvalidArgumentError("invalid JSON: data after the value");
  }
  std::string out;
  PrintIndented(*node, 0, out);
  return out;
}

absl::StatusOr<std::vector<std::string>> SplitJsonValues(
    absl::string_view data) {
  std::vector<std::string> values;
  Reader reader(data);
  while (!reader.AtEnd()) {
    const size_t start = reader.pos();
    absl::StatusOr<Node> node = reader.Value();
    if (!node.ok()) return node.status();
    values.emplace_back(data.substr(start, reader.pos() - start));
  }
  return values;
}

std::string GoQuote(absl::string_view text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

std::string GoCodeName(absl::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "Canceled",
                                           "Unknown",
                                           "InvalidArgument",
                                           "DeadlineExceeded",
                                           "NotFound",
                                           "AlreadyExists",
                                           "PermissionDenied",
                                           "ResourceExhausted",
                                           "FailedPrecondition",
                                           "Aborted",
                                           "OutOfRange",
                                           "Unimplemented",
                                           "Internal",
                                           "Unavailable",
                                           "DataLoss",
                                           "Unauthenticated"};
  const int number = static_cast<int>(code);
  if (number >= 0 && number < static_cast<int>(std::size(kNames))) {
    return kNames[number];
  }
  return absl::StrCat("Code(", number, ")");
}

std::string GoRpcError(const absl::Status& status) {
  return absl::StrCat("rpc error: code = ", GoCodeName(status.code()),
                      " desc = ", status.message());
}

}  // namespace helpdesk::readme
