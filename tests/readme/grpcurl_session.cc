#include "tests/readme/grpcurl_session.h"

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "tests/readme/grpcurl_format.h"

namespace helpdesk::readme {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

}  // namespace

GrpcurlSession::GrpcurlSession(const std::shared_ptr<grpc::Channel>& channel,
                               const Metadata& metadata,
                               std::chrono::system_clock::time_point deadline)
    : reflection_(channel, metadata, deadline),
      sent_(&reflection_),
      output_names_(&sent_),
      input_pool_(&sent_),
      output_pool_(&output_names_),
      input_types_(google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, &input_pool_)),
      output_types_(google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, &output_pool_)) {}

std::string GrpcurlSession::Url(const std::string& type) {
  return absl::StrCat(kTypeUrlPrefix, "/", type);
}

absl::StatusOr<std::string> GrpcurlSession::JsonToBinary(
    const std::string& type, const std::string& json) {
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(
      input_types_.get(), Url(type), json, &binary);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return binary;
}

absl::StatusOr<std::string> GrpcurlSession::CompactJson(
    const std::string& type_url, const std::string& binary,
    bool emit_defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = emit_defaults;
  std::string json;
  auto status = google::protobuf::util::BinaryToJsonString(
      output_types_.get(), type_url, binary, &json, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return json;
}

absl::StatusOr<std::string> GrpcurlSession::BinaryToJson(
    const std::string& type_url, const std::string& binary,
    bool emit_defaults) {
  absl::StatusOr<std::string> json =
      CompactJson(type_url, binary, emit_defaults);
  if (!json.ok()) return json.status();
  return GrpcurlLayout(*json);
}

std::string GrpcurlSession::Detail(const google::protobuf::Any& detail) {
  const std::string type = GoQuote(detail.type_url());
  absl::StatusOr<std::string> json =
      CompactJson(detail.type_url(), detail.value(), false);
  if (json.ok() && absl::StartsWith(*json, "{")) {
    absl::StatusOr<std::string> any =
        GrpcurlLayout(*json == "{}" ? absl::StrCat("{\"@type\":", type, "}")
                                    : absl::StrCat("{\"@type\":", type, ",",
                                                   json->substr(1)));
    if (any.ok()) return *any;
  }
  const std::string name =
      detail.type_url().substr(detail.type_url().rfind('/') + 1);
  return absl::StrCat(
      "{\"@error\":",
      GoQuote(name +
              " is not recognized; see @value for raw binary message data"),
      ",\"@type\":", type, ",\"@value\":\"", absl::Base64Escape(detail.value()),
      "\"}");
}

}  // namespace helpdesk::readme
