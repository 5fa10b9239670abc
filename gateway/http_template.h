#ifndef HELPDESK_GATEWAY_HTTP_TEMPLATE_H_
#define HELPDESK_GATEWAY_HTTP_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::gateway {

// A parsed `google.api.http` path template (see google/api/http.proto):
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;
//
// `{id}` is short for `{id=*}`. Variables are flattened into the segment
// list: a variable covers the segments [first_segment, end_segment). A `**`
// matches zero or more segments and may only be the last segment.
// Immutable value type.
struct HttpTemplate {
  enum class SegmentKind { kLiteral, kSingle, kMulti };
  struct Segment {
    SegmentKind kind;
    std::string literal;  // kLiteral only
  };
  struct Variable {
    std::vector<std::string> field_path;  // e.g. {"ticket", "id"}
    int first_segment = 0;
    int end_segment = 0;
  };

  std::vector<Segment> segments;
  std::vector<Variable> variables;
  std::string verb;  // custom verb without ':', "" when none

  // The template with variable names erased (`/v1/tickets/*:assign`): two
  // templates with the same shape match exactly the same paths.
  std::string Shape() const;
};

// Parses `text`; INVALID_ARGUMENT says what is wrong with it.
absl::StatusOr<HttpTemplate> ParseHttpTemplate(absl::string_view text);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_HTTP_TEMPLATE_H_
