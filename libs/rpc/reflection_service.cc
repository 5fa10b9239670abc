#include "libs/rpc/reflection_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::rpc {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FileDescriptor;

void AppendWithImports(const FileDescriptor* file,
                       std::vector<std::string>* sent,
                       std::vector<std::string>* out) {
  if (std::find(sent->begin(), sent->end(), file->name()) != sent->end()) {
    return;
  }
  sent->push_back(file->name());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AppendWithImports(file->dependency(i), sent, out);
  }
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  file->CopyJsonNameTo(&proto);
  out->push_back(proto.SerializeAsString());
}

// One request of a reflection stream answered into `response`. Request and
// Response are the v1 or the v1alpha messages, which have the same fields.
template <typename Request, typename Response>
void Answer(const DescriptorIndex& index, const Request& request,
            Response* response) {
  response->set_valid_host(request.host());
  *response->mutable_original_request() = request;
  const FileDescriptor* file = nullptr;
  std::string missing;
  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      file = index.FileByName(request.file_by_filename());
      missing = absl::StrCat("file not found: ", request.file_by_filename());
      break;
    case Request::kFileContainingSymbol:
      file = index.FileContainingSymbol(request.file_containing_symbol());
      missing =
          absl::StrCat("symbol not found: ", request.file_containing_symbol());
      break;
    case Request::kFileContainingExtension:
      file = index.FileContainingExtension(
          request.file_containing_extension().containing_type(),
          request.file_containing_extension().extension_number());
      missing = absl::StrCat(
          "extension not found: ",
          request.file_containing_extension().containing_type(), " ",
          request.file_containing_extension().extension_number());
      break;
    case Request::kAllExtensionNumbersOfType: {
      std::vector<int> numbers;
      if (!index.ExtensionNumbers(request.all_extension_numbers_of_type(),
                                  &numbers)) {
        response->mutable_error_response()->set_error_code(
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
        response->mutable_error_response()->set_error_message(absl::StrCat(
            "type not found: ", request.all_extension_numbers_of_type()));
        return;
      }
      auto* answer = response->mutable_all_extension_numbers_response();
      answer->set_base_type_name(request.all_extension_numbers_of_type());
      for (int number : numbers) answer->add_extension_number(number);
      return;
    }
    case Request::kListServices:
      for (const std::string& name : index.service_names()) {
        response->mutable_list_services_response()->add_service()->set_name(
            name);
      }
      return;
    default:
      response->mutable_error_response()->set_error_code(
          static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      response->mutable_error_response()->set_error_message(
          "empty reflection request");
      return;
  }
  if (file == nullptr) {
    response->mutable_error_response()->set_error_code(
        static_cast<int>(grpc::StatusCode::NOT_FOUND));
    response->mutable_error_response()->set_error_message(missing);
    return;
  }
  for (std::string& bytes : DescriptorIndex::SerializeWithImports(file)) {
    response->mutable_file_descriptor_response()->add_file_descriptor_proto(
        std::move(bytes));
  }
}

template <typename Request, typename Response>
grpc::Status Serve(const DescriptorIndex& index,
                   grpc::ServerReaderWriter<Response, Request>* stream) {
  Request request;
  while (stream->Read(&request)) {
    Response response;
    Answer(index, request, &response);
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace

DescriptorIndex::DescriptorIndex(const google::protobuf::DescriptorPool* pool)
    : pool_(pool) {}

void DescriptorIndex::SetServiceNames(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  absl::MutexLock lock(&mu_);
  service_names_ = std::move(names);
}

std::vector<std::string> DescriptorIndex::service_names() const {
  absl::MutexLock lock(&mu_);
  return service_names_;
}

const FileDescriptor* DescriptorIndex::FileByName(
    const std::string& name) const {
  return pool_->FindFileByName(name);
}

const FileDescriptor* DescriptorIndex::FileContainingSymbol(
    const std::string& symbol) const {
  return pool_->FindFileContainingSymbol(symbol);
}

const FileDescriptor* DescriptorIndex::FileContainingExtension(
    const std::string& type, int number) const {
  const Descriptor* message = pool_->FindMessageTypeByName(type);
  if (message == nullptr) return nullptr;
  const auto* extension = pool_->FindExtensionByNumber(message, number);
  return extension == nullptr ? nullptr : extension->file();
}

bool DescriptorIndex::ExtensionNumbers(const std::string& type,
                                       std::vector<int>* numbers) const {
  const Descriptor* message = pool_->FindMessageTypeByName(type);
  if (message == nullptr) return false;
  std::vector<const google::protobuf::FieldDescriptor*> extensions;
  pool_->FindAllExtensions(message, &extensions);
  for (const auto* extension : extensions) {
    numbers->push_back(extension->number());
  }
  std::sort(numbers->begin(), numbers->end());
  return true;
}

std::vector<std::string> DescriptorIndex::SerializeWithImports(
    const FileDescriptor* file) {
  std::vector<std::string> sent;
  std::vector<std::string> out;
  AppendWithImports(file, &sent, &out);
  return out;
}

grpc::Status ReflectionV1AlphaService::ServerReflectionInfo(
    grpc::ServerContext* /*context*/,
    grpc::ServerReaderWriter<
        grpc::reflection::v1alpha::ServerReflectionResponse,
        grpc::reflection::v1alpha::ServerReflectionRequest>* stream) {
  return Serve(*index_, stream);
}

grpc::Status ReflectionV1Service::ServerReflectionInfo(
    grpc::ServerContext* /*context*/,
    grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                             grpc::reflection::v1::ServerReflectionRequest>*
        stream) {
  return Serve(*index_, stream);
}

}  // namespace helpdesk::rpc
