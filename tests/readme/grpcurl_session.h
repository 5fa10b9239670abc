// The grpcurl-compatible client's view of one server (grpcurl_compat.cc).
#ifndef HELPDESK_TESTS_README_GRPCURL_SESSION_H_
#define HELPDESK_TESTS_README_GRPCURL_SESSION_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/type_resolver.h"
#include "grpcpp/grpcpp.h"
#include "tests/readme/reflection_database.h"

namespace helpdesk::readme {

// Everything the client learns about a server, all through its reflection
// stream: the descriptors as sent (to parse -d input: lowerCamelCase and
// proto names) and the same with grpcurl's output names (to print), each
// in its own DescriptorPool that fetches files on first use, and JSON
// conversions over both. Not thread-safe.
class GrpcurlSession final {
 public:
  GrpcurlSession(const std::shared_ptr<grpc::Channel>& channel,
                 const Metadata& metadata,
                 std::chrono::system_clock::time_point deadline);

  ReflectionClient& reflection() { return reflection_; }
  // Services, methods and message types, as the server describes them.
  const google::protobuf::DescriptorPool& pool() { return input_pool_; }
  // Why the last lookup failed if not for NOT_FOUND (e.g. UNAVAILABLE).
  const absl::Status& last_error() const { return sent_.last_error(); }

  // A request of message type `type` (full name) from its JSON.
  absl::StatusOr<std::string> JsonToBinary(const std::string& type,
                                           const std::string& json);

  // A message as grpcurl prints it; `type_url` names its type.
  absl::StatusOr<std::string> BinaryToJson(const std::string& type_url,
                                           const std::string& binary,
                                           bool emit_defaults);

  // An error detail as grpcurl prints it: one line, "@type" among the
  // message's fields, or the raw bytes in "@value" when reflection does not
  // know the type.
  std::string Detail(const google::protobuf::Any& detail);

  // "type.googleapis.com/<type>".
  static std::string Url(const std::string& type);

 private:
  // protobuf's JSON, compact, with the output pool's field names.
  absl::StatusOr<std::string> CompactJson(const std::string& type_url,
                                          const std::string& binary,
                                          bool emit_defaults);

  ReflectionClient reflection_;
  ReflectionDatabase sent_;
  GrpcurlOutputNamesDatabase output_names_;
  google::protobuf::DescriptorPool input_pool_;
  google::protobuf::DescriptorPool output_pool_;
  std::unique_ptr<google::protobuf::util::TypeResolver> input_types_;
  std::unique_ptr<google::protobuf::util::TypeResolver> output_types_;
};

}  // namespace helpdesk::readme

#endif  // HELPDESK_TESTS_README_GRPCURL_SESSION_H_
