#ifndef HELPDESK_GATEWAY_TRANSCODER_H_
#define HELPDESK_GATEWAY_TRANSCODER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/route_table.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace helpdesk::gateway {

// Converts one request and its response between HTTP/JSON and protobuf for
// a matched route (Envoy's per-request transcoder). JSON is proto3 JSON:
// lowerCamelCase names out (both spellings in), enums by name, 64-bit
// integers as strings, default values printed.
//
// Building the request, in this order:
//   1. the body (JSON; empty means `{}`) fills the whole message
//      (`body: "*"`), the named field, or must be empty (no body);
//   2. path variables set their fields (overriding the body);
//   3. query parameters set any other field, by proto or JSON name, dotted
//      for nested fields, repeated parameters for repeated fields; a
//      parameter may not target a field the path or body sets;
//   4. for PATCH with a body field and an unset `update_mask`
//      (google.protobuf.FieldMask), the mask becomes the fields present in
//      the body, relative to the body field (AIP-134).
// Every failure is INVALID_ARGUMENT, suitable for a 400.
//
// One instance per request; not thread-safe. `route`, `factory` and
// `resolver` must outlive it. `resolver` (for the pool of `route`; shared,
// thread-safe) lets JSON convert straight from and to the wire format; without
// one, protobuf builds a resolver per call for non-generated pools.
class Transcoder final {
 public:
  Transcoder(const Route& route, google::protobuf::MessageFactory* factory,
             google::protobuf::util::TypeResolver* resolver = nullptr);

  absl::Status BuildRequest(absl::string_view body,
                            const std::vector<PathBinding>& bindings,
                            absl::string_view query);

  const google::protobuf::Message& request() const { return *request_; }

  // An empty response message to parse the backend's answer into.
  std::unique_ptr<google::protobuf::Message> NewResponse() const;

  // The response as JSON (its response_body field only, if the route names
  // one). INTERNAL if the message cannot be printed.
  absl::StatusOr<std::string> ResponseToJson(
      const google::protobuf::Message& response) const;

  // The same from the serialized response, without building a message when
  // the whole response is printed. INTERNAL for malformed input.
  absl::StatusOr<std::string> SerializedResponseToJson(
      absl::string_view serialized) const;

 private:
  absl::Status ParseJson(absl::string_view json,
                         google::protobuf::Message* message) const;

  absl::Status ParseBody(absl::string_view body);
  absl::Status ApplyQuery(absl::string_view query,
                          const std::vector<PathBinding>& bindings);
  absl::Status DeriveUpdateMask(absl::string_view body);

  const Route& route_;
  google::protobuf::MessageFactory* const factory_;
  google::protobuf::util::TypeResolver* const resolver_;
  std::unique_ptr<google::protobuf::Message> request_;
};

// `message` as proto3 JSON (see Transcoder).
absl::StatusOr<std::string> MessageToJson(
    const google::protobuf::Message& message);

// The type URL prefix for `resolver`s of Transcoder.
inline constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// `json` (an object) without its top-level `key`; `json` unchanged if it is
// not an object. For hiding a field from a response (the session token).
std::string RemoveJsonKey(const std::string& json, absl::string_view key);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_TRANSCODER_H_
