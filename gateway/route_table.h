#ifndef HELPDESK_GATEWAY_ROUTE_TABLE_H_
#define HELPDESK_GATEWAY_ROUTE_TABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/field_path.h"
#include "gateway/http_template.h"
#include "google/protobuf/descriptor.h"

namespace helpdesk::gateway {

// One HTTP binding of an RPC: a `google.api.http` rule or one of its
// additional_bindings.
struct Route {
  std::string http_method;    // "GET", "POST", ... (a custom kind as given)
  std::string path_template;  // as annotated, e.g. "/v1/tickets/{ticket.id}"
  HttpTemplate parsed;
  // The field each variable of `parsed` binds, in the same order.
  std::vector<FieldPath> variable_fields;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;  // "/helpdesk.auth.v1.AuthService/Login"
  // google.api.HttpRule.body: "" (no body), "*" (the whole request message)
  // or the name of a top-level request field (`body_field`).
  std::string body;
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  // google.api.HttpRule.response_body: null for the whole response.
  const google::protobuf::FieldDescriptor* response_body_field = nullptr;
};

// A path variable bound by a match: the field it sets and its
// percent-decoded value.
struct PathBinding {
  const FieldPath* field = nullptr;
  std::string value;
};

struct RouteLookup {
  enum class Outcome {
    kMatched,
    kNotFound,          // no route has this path
    kMethodNotAllowed,  // some route has this path, none this method
    kMalformedPath,     // bad percent-encoding in a bound value
  };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;
  std::vector<PathBinding> bindings;
  std::vector<std::string> allowed_methods;  // kMethodNotAllowed only
};

// The gateway's routes, built once at start from the `google.api.http`
// annotations of the configured services in a descriptor pool, then
// immutable. Matching prefers, at the first segment where two templates
// differ, a literal over `*` over `**`; two bindings with the same method
// and the same template shape (variable names aside) conflict and fail the
// build. Custom verbs (`:assign`) are matched exactly; a path whose last
// segment holds a ':' that no verb route takes is matched again with the
// ':' as part of the segment.
//
// The descriptor pool must outlive the table. Thread-safe (immutable).
class RouteTable final {
 public:
  // INVALID_ARGUMENT for a malformed or conflicting annotation, a variable
  // or body naming no (or an unsuitable) field, or a client-streaming RPC
  // with a binding; NOT_FOUND for a service missing from `pool`.
  static absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      const google::protobuf::DescriptorPool& pool,
      const std::vector<std::string>& services);

  // `path` is the request target without its query string.
  RouteLookup Match(absl::string_view http_method,
                    absl::string_view path) const;

  // Every route, in matching order.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  explicit RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {}

  RouteLookup MatchWithVerb(absl::string_view http_method,
                            const std::vector<absl::string_view>& segments,
                            absl::string_view verb) const;

  std::vector<Route> routes_;
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_ROUTE_TABLE_H_
