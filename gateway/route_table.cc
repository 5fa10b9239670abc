#include "gateway/route_table.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/field_path.h"
#include "gateway/http_template.h"
#include "gateway/url.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "libs/status/status_macros.h"

namespace helpdesk::gateway {
namespace {

using ::google::api::HttpRule;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::MethodDescriptor;
using SegmentKind = HttpTemplate::SegmentKind;

int Rank(SegmentKind kind) {
  switch (kind) {
    case SegmentKind::kLiteral:
      return 0;
    case SegmentKind::kSingle:
      return 1;
    case SegmentKind::kMulti:
      return 2;
  }
  return 3;
}

// Matching order: at the first differing segment, literal before `*` before
// `**`.
bool MatchesFirst(const Route& a, const Route& b) {
  const auto& x = a.parsed.segments;
  const auto& y = b.parsed.segments;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (Rank(x[i].kind) != Rank(y[i].kind)) {
      return Rank(x[i].kind) < Rank(y[i].kind);
    }
    if (x[i].literal != y[i].literal) return x[i].literal < y[i].literal;
  }
  if (x.size() != y.size()) return x.size() < y.size();
  if (a.parsed.verb != b.parsed.verb) return a.parsed.verb < b.parsed.verb;
  return a.http_method < b.http_method;
}

absl::Status RuleError(const MethodDescriptor* method, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("google.api.http of ", method->full_name(), ": ", what));
}

absl::Status AddRule(const HttpRule& rule, const MethodDescriptor* method,
                     bool top_level, std::vector<Route>* routes) {
  Route route;
  route.method = method;
  route.grpc_path =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      route.http_method = "GET";
      route.path_template = rule.get();
      break;
    case HttpRule::kPut:
      route.http_method = "PUT";
      route.path_template = rule.put();
      break;
    case HttpRule::kPost:
      route.http_method = "POST";
      route.path_template = rule.post();
      break;
    case HttpRule::kDelete:
      route.http_method = "DELETE";
      route.path_template = rule.delete_();
      break;
    case HttpRule::kPatch:
      route.http_method = "PATCH";
      route.path_template = rule.patch();
      break;
    case HttpRule::kCustom:
      route.http_method = absl::AsciiStrToUpper(rule.custom().kind());
      route.path_template = rule.custom().path();
      break;
    case HttpRule::PATTERN_NOT_SET:
      return RuleError(method, "no HTTP method and path");
  }
  if (method->client_streaming()) {
    return RuleError(method, "client-streaming RPCs cannot be transcoded");
  }
  ASSIGN_OR_RETURN(route.parsed, ParseHttpTemplate(route.path_template));

  const auto* input = method->input_type();
  for (const HttpTemplate::Variable& variable : route.parsed.variables) {
    absl::StatusOr<FieldPath> path =
        ResolveFieldPath(input, variable.field_path, false);
    if (!path.ok()) return RuleError(method, path.status().message());
    if (path->back()->is_repeated() || !IsUrlSettable(path->back())) {
      return RuleError(method,
                       absl::StrCat("variable ", FieldPathName(*path),
                                    " must be a singular scalar field"));
    }
    route.variable_fields.push_back(*std::move(path));
  }

  route.body = rule.body();
  if (!route.body.empty() && route.body != "*") {
    route.body_field = input->FindFieldByName(route.body);
    if (route.body_field == nullptr) {
      return RuleError(method, absl::StrCat("body \"", route.body,
                                            "\" is not a request field"));
    }
  }
  if (!rule.response_body().empty()) {
    route.response_body_field =
        method->output_type()->FindFieldByName(rule.response_body());
    if (route.response_body_field == nullptr) {
      return RuleError(method,
                       absl::StrCat("response_body \"", rule.response_body(),
                                    "\" is not a response field"));
    }
  }
  routes->push_back(std::move(route));

  if (!top_level && rule.additional_bindings_size() > 0) {
    return RuleError(method, "additional_bindings may not nest");
  }
  for (const HttpRule& additional : rule.additional_bindings()) {
    RETURN_IF_ERROR(AddRule(additional, method, false, routes));
  }
  return absl::OkStatus();
}

// Matches `segments` against the template of `route`; fills `bindings`
// (values still percent-encoded).
bool MatchSegments(const Route& route,
                   const std::vector<absl::string_view>& segments,
                   std::vector<std::pair<int, int>>* ranges) {
  const auto& pattern = route.parsed.segments;
  const bool multi =
      !pattern.empty() && pattern.back().kind == SegmentKind::kMulti;
  const size_t fixed = multi ? pattern.size() - 1 : pattern.size();
  if (multi ? segments.size() < fixed : segments.size() != fixed) return false;
  for (size_t i = 0; i < fixed; ++i) {
    if (pattern[i].kind == SegmentKind::kLiteral
            ? pattern[i].literal != segments[i]
            : segments[i].empty()) {  // `*` takes a non-empty segment
      return false;
    }
  }
  ranges->clear();
  for (const HttpTemplate::Variable& variable : route.parsed.variables) {
    int end = variable.end_segment;
    if (multi && end == static_cast<int>(pattern.size())) {
      end = static_cast<int>(segments.size());
    }
    ranges->emplace_back(variable.first_segment, end);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(
    const google::protobuf::DescriptorPool& pool,
    const std::vector<std::string>& services) {
  std::vector<Route> routes;
  for (const std::string& name : services) {
    const auto* service = pool.FindServiceByName(name);
    if (service == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("service ", name, " is not in the descriptor pool"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      RETURN_IF_ERROR(AddRule(method->options().GetExtension(google::api::http),
                              method, true, &routes));
    }
  }
  absl::flat_hash_map<std::string, const Route*> seen;
  for (const Route& route : routes) {
    const std::string key =
        absl::StrCat(route.http_method, " ", route.parsed.Shape());
    auto [it, inserted] = seen.emplace(key, &route);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "conflicting HTTP routes: ", route.http_method, " ",
          it->second->path_template, " (", it->second->method->full_name(),
          ") and ", route.http_method, " ", route.path_template, " (",
          route.method->full_name(), ")"));
    }
  }
  std::stable_sort(routes.begin(), routes.end(), MatchesFirst);
  return std::unique_ptr<RouteTable>(new RouteTable(std::move(routes)));
}

RouteLookup RouteTable::Match(absl::string_view http_method,
                              absl::string_view path) const {
  RouteLookup lookup;
  if (path.empty() || path[0] != '/') return lookup;
  std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  const size_t colon = segments.back().rfind(':');
  if (colon != absl::string_view::npos) {
    std::vector<absl::string_view> without_verb = segments;
    without_verb.back() = segments.back().substr(0, colon);
    lookup = MatchWithVerb(http_method, without_verb,
                           segments.back().substr(colon + 1));
    if (lookup.outcome != RouteLookup::Outcome::kNotFound) return lookup;
  }
  return MatchWithVerb(http_method, segments, "");
}

RouteLookup RouteTable::MatchWithVerb(
    absl::string_view http_method,
    const std::vector<absl::string_view>& segments,
    absl::string_view verb) const {
  RouteLookup lookup;
  std::vector<std::pair<int, int>> ranges;
  for (const Route& route : routes_) {
    if (route.parsed.verb != verb) continue;
    if (!MatchSegments(route, segments, &ranges)) continue;
    if (route.http_method != http_method) {
      if (std::find(lookup.allowed_methods.begin(),
                    lookup.allowed_methods.end(),
                    route.http_method) == lookup.allowed_methods.end()) {
        lookup.allowed_methods.push_back(route.http_method);
      }
      continue;
    }
    lookup.route = &route;
    lookup.allowed_methods.clear();
    for (size_t v = 0; v < ranges.size(); ++v) {
      const auto [first, end] = ranges[v];
      const bool multi = end - first > 1 || route.parsed.segments[first].kind ==
                                                SegmentKind::kMulti;
      std::string raw =
          absl::StrJoin(segments.begin() + first, segments.begin() + end, "/");
      PathBinding binding;
      binding.field = &route.variable_fields[v];
      if (!PercentDecode(raw, multi, &binding.value)) {
        lookup.outcome = RouteLookup::Outcome::kMalformedPath;
        lookup.bindings.clear();
        return lookup;
      }
      lookup.bindings.push_back(std::move(binding));
    }
    lookup.outcome = RouteLookup::Outcome::kMatched;
    return lookup;
  }
  if (!lookup.allowed_methods.empty()) {
    std::sort(lookup.allowed_methods.begin(), lookup.allowed_methods.end());
    lookup.outcome = RouteLookup::Outcome::kMethodNotAllowed;
  }
  return lookup;
}

}  // namespace helpdesk::gateway
