#ifndef HELPDESK_LIBS_RPC_REFLECTION_SERVICE_H_
#define HELPDESK_LIBS_RPC_REFLECTION_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::rpc {

// The descriptors a reflection client may ask for: files by name, by a
// symbol they define or by an extension, and the list of services a server
// hosts. Files are answered with their transitive imports, each as a
// serialized FileDescriptorProto that carries every field's `json_name`.
//
// Why our own: gRPC's reflection plugin serializes descriptors with
// FileDescriptor::CopyTo, which leaves json_name out. grpcurl (through
// jhump/protoreflect) then falls back to the proto field name, so it printed
// `session_token` where every other proto3 JSON client says `sessionToken`.
//
// Thread-safe; SetServiceNames may run while streams are open.
class DescriptorIndex final {
 public:
  explicit DescriptorIndex(
      const google::protobuf::DescriptorPool* pool =
          google::protobuf::DescriptorPool::generated_pool());

  void SetServiceNames(std::vector<std::string> names) ABSL_LOCKS_EXCLUDED(mu_);
  // Sorted.
  std::vector<std::string> service_names() const ABSL_LOCKS_EXCLUDED(mu_);

  // Lookups; nullptr when nothing matches.
  const google::protobuf::FileDescriptor* FileByName(
      const std::string& name) const;
  const google::protobuf::FileDescriptor* FileContainingSymbol(
      const std::string& symbol) const;
  const google::protobuf::FileDescriptor* FileContainingExtension(
      const std::string& type, int number) const;
  // False if `type` is not a known message.
  bool ExtensionNumbers(const std::string& type,
                        std::vector<int>* numbers) const;

  // Serialized FileDescriptorProtos of `file` and its transitive imports,
  // imports first, each once (as gRPC's own reflection answers every
  // request, so a client never depends on what it asked before).
  static std::vector<std::string> SerializeWithImports(
      const google::protobuf::FileDescriptor* file);

 private:
  const google::protobuf::DescriptorPool* const pool_;
  mutable absl::Mutex mu_;
  std::vector<std::string> service_names_ ABSL_GUARDED_BY(mu_);
};

// grpc.reflection.v1alpha.ServerReflection (what grpcurl 1.8 asks) over a
// DescriptorIndex. Synchronous: each stream holds a server thread for its
// short life. `index` must outlive the service.
class ReflectionV1AlphaService final
    : public grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  explicit ReflectionV1AlphaService(const DescriptorIndex* index)
      : index_(index) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<
          grpc::reflection::v1alpha::ServerReflectionResponse,
          grpc::reflection::v1alpha::ServerReflectionRequest>* stream) override;

 private:
  const DescriptorIndex* const index_;
};

// grpc.reflection.v1.ServerReflection, the same answers for newer clients.
class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::Service {
 public:
  explicit ReflectionV1Service(const DescriptorIndex* index) : index_(index) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>*
          stream) override;

 private:
  const DescriptorIndex* const index_;
};

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_REFLECTION_SERVICE_H_
