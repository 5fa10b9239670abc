// What the grpcurl-compatible client (grpcurl_compat.cc) knows about a
// server: nothing but what server reflection tells it, as with grpcurl.
#ifndef HELPDESK_TESTS_README_REFLECTION_DATABASE_H_
#define HELPDESK_TESTS_README_REFLECTION_DATABASE_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::readme {

// Request metadata as (lowercase key, value) pairs.
using Metadata = std::vector<std::pair<std::string, std::string>>;

// One grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo stream,
// used as grpcurl 1.8.7 uses it: one request at a time on the same stream,
// to list services or to fetch serialized FileDescriptorProtos by symbol or
// file name. Errors are absl statuses with the gRPC code: the stream's
// status, or the error_response the server answered (NOT_FOUND for an
// unknown symbol or file). Not thread-safe.
class ReflectionClient final {
 public:
  // `deadline` applies to the whole stream (grpcurl's -max-time).
  ReflectionClient(const std::shared_ptr<grpc::Channel>& channel,
                   const Metadata& metadata,
                   std::chrono::system_clock::time_point deadline);
  ~ReflectionClient();
  ReflectionClient(const ReflectionClient&) = delete;
  ReflectionClient& operator=(const ReflectionClient&) = delete;

  absl::StatusOr<std::vector<std::string>> ListServices();
  absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>>
  FileContainingSymbol(const std::string& symbol);
  absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>>
  FileByFilename(const std::string& filename);

 private:
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;

  absl::StatusOr<Response> Ask(const Request& request);
  absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>> AskFiles(
      const Request& request);

  std::unique_ptr<grpc::reflection::v1alpha::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
  absl::Status broken_;  // once the stream failed, every later call fails
};

// A DescriptorDatabase over a ReflectionClient: each file exactly as the
// server sent it, fetched on first use and cached. A DescriptorPool on it
// computes lowerCamelCase json names wherever the server sent none, which is
// what grpcurl accepts in -d input (besides the proto names). Lookups that
// failed for another reason than NOT_FOUND leave their error in
// last_error(), so callers can tell "no such symbol" from "server down".
class ReflectionDatabase final : public google::protobuf::DescriptorDatabase {
 public:
  explicit ReflectionDatabase(ReflectionClient* client) : client_(client) {}

  bool FindFileByName(const std::string& filename,
                      google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingSymbol(
      const std::string& symbol,
      google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingExtension(
      const std::string& /*containing_type*/, int /*field_number*/,
      google::protobuf::FileDescriptorProto* /*output*/) override {
    return false;
  }

  const absl::Status& last_error() const { return last_error_; }

 private:
  bool Fetched(
      absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>> files);

  ReflectionClient* const client_;
  google::protobuf::SimpleDescriptorDatabase cache_;
  absl::Status last_error_;
};

// The files of another database with `json_name` set to the field's proto
// name wherever the server sent no json_name. That is what grpcurl 1.8.7
// prints as JSON keys: jhump/protoreflect's printer takes the json_name of
// the FileDescriptorProto the server sent, or else the proto name
// (fullstorydev/grpcurl#132). Printing through a pool on this database
// reproduces it, bug included; a server whose reflection fills json_name
// gets lowerCamelCase keys.
class GrpcurlOutputNamesDatabase final
    : public google::protobuf::DescriptorDatabase {
 public:
  explicit GrpcurlOutputNamesDatabase(DescriptorDatabase* source)
      : source_(source) {}

  bool FindFileByName(const std::string& filename,
                      google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingSymbol(
      const std::string& symbol,
      google::protobuf::FileDescriptorProto* output) override;
  bool FindFileContainingExtension(
      const std::string& /*containing_type*/, int /*field_number*/,
      google::protobuf::FileDescriptorProto* /*output*/) override {
    return false;
  }

  // Sets json_name = name on every field and extension of `file` that has
  // no json_name.
  static void UseProtoNamesWhereMissing(
      google::protobuf::FileDescriptorProto& file);

 private:
  DescriptorDatabase* const source_;
};

}  // namespace helpdesk::readme

#endif  // HELPDESK_TESTS_README_REFLECTION_DATABASE_H_
