#include "tests/readme/reflection_database.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace helpdesk::readme {
namespace {

using ::google::protobuf::DescriptorProto;
using ::google::protobuf::FieldDescriptorProto;
using ::google::protobuf::FileDescriptorProto;

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void UseProtoNames(
    google::protobuf::RepeatedPtrField<FieldDescriptorProto>& fields) {
  for (FieldDescriptorProto& field : fields) {
    if (!field.has_json_name()) field.set_json_name(field.name());
  }
}

void UseProtoNames(DescriptorProto& message) {
  UseProtoNames(*message.mutable_field());
  UseProtoNames(*message.mutable_extension());
  for (DescriptorProto& nested : *message.mutable_nested_type()) {
    UseProtoNames(nested);
  }
}

}  // namespace

ReflectionClient::ReflectionClient(
    const std::shared_ptr<grpc::Channel>& channel, const Metadata& metadata,
    std::chrono::system_clock::time_point deadline)
    : stub_(grpc::reflection::v1alpha::ServerReflection::NewStub(channel)) {
  for (const auto& [key, value] : metadata) context_.AddMetadata(key, value);
  context_.set_deadline(deadline);
  stream_ = stub_->ServerReflectionInfo(&context_);
}

ReflectionClient::~ReflectionClient() {
  if (!broken_.ok()) return;  // Ask() finished the stream already
  stream_->WritesDone();
  Response ignored;
  while (stream_->Read(&ignored)) {
  }
  stream_->Finish().IgnoreError();
}

absl::StatusOr<ReflectionClient::Response> ReflectionClient::Ask(
    const Request& request) {
  if (!broken_.ok()) return broken_;
  Response response;
  if (!stream_->Write(request) || !stream_->Read(&response)) {
    grpc::Status status = stream_->Finish();
    broken_ = status.ok() ? absl::UnavailableError(
                                "reflection stream ended without an answer")
                          : FromGrpc(status);
    return broken_;
  }
  if (response.has_error_response()) {
    return absl::Status(
        static_cast<absl::StatusCode>(response.error_response().error_code()),
        response.error_response().error_message());
  }
  return response;
}

absl::StatusOr<std::vector<std::string>> ReflectionClient::ListServices() {
  Request request;
  request.set_list_services("*");
  absl::StatusOr<Response> response = Ask(request);
  if (!response.ok()) return response.status();
  if (!response->has_list_services_response()) {
    return absl::InternalError("reflection answered list_services wrongly");
  }
  std::vector<std::string> names;
  for (const auto& service : response->list_services_response().service()) {
    names.push_back(service.name());
  }
  return names;
}

absl::StatusOr<std::vector<FileDescriptorProto>>
ReflectionClient::FileContainingSymbol(const std::string& symbol) {
  Request request;
  request.set_file_containing_symbol(symbol);
  return AskFiles(request);
}

absl::StatusOr<std::vector<FileDescriptorProto>>
ReflectionClient::FileByFilename(const std::string& filename) {
  Request request;
  request.set_file_by_filename(filename);
  return AskFiles(request);
}

absl::StatusOr<std::vector<FileDescriptorProto>> ReflectionClient::AskFiles(
    const Request& request) {
  absl::StatusOr<Response> response = Ask(request);
  if (!response.ok()) return response.status();
  if (!response->has_file_descriptor_response()) {
    return absl::InternalError("reflection answered a file request wrongly");
  }
  std::vector<FileDescriptorProto> files;
  for (const std::string& bytes :
       response->file_descriptor_response().file_descriptor_proto()) {
    FileDescriptorProto& file = files.emplace_back();
    if (!file.ParseFromString(bytes)) {
      return absl::DataLossError("reflection sent an unparsable descriptor");
    }
  }
  return files;
}

bool ReflectionDatabase::Fetched(
    absl::StatusOr<std::vector<FileDescriptorProto>> files) {
  if (!files.ok()) {
    if (!absl::IsNotFound(files.status())) last_error_ = files.status();
    return false;
  }
  // The server answers with the file and its imports, in an order of its
  // choosing; keep every file not seen before.
  for (const FileDescriptorProto& file : *files) {
    FileDescriptorProto known;
    if (!cache_.FindFileByName(file.name(), &known)) cache_.Add(file);
  }
  return true;
}

bool ReflectionDatabase::FindFileByName(const std::string& filename,
                                        FileDescriptorProto* output) {
  if (cache_.FindFileByName(filename, output)) return true;
  return Fetched(client_->FileByFilename(filename)) &&
         cache_.FindFileByName(filename, output);
}

bool ReflectionDatabase::FindFileContainingSymbol(const std::string& symbol,
                                                  FileDescriptorProto* output) {
  if (cache_.FindFileContainingSymbol(symbol, output)) return true;
  return Fetched(client_->FileContainingSymbol(symbol)) &&
         cache_.FindFileContainingSymbol(symbol, output);
}

bool GrpcurlOutputNamesDatabase::FindFileByName(const std::string& filename,
                                                FileDescriptorProto* output) {
  if (!source_->FindFileByName(filename, output)) return false;
  UseProtoNamesWhereMissing(*output);
  return true;
}

bool GrpcurlOutputNamesDatabase::FindFileContainingSymbol(
    const std::string& symbol, FileDescriptorProto* output) {
  if (!source_->FindFileContainingSymbol(symbol, output)) return false;
  UseProtoNamesWhereMissing(*output);
  return true;
}

void GrpcurlOutputNamesDatabase::UseProtoNamesWhereMissing(
    FileDescriptorProto& file) {
  UseProtoNames(*file.mutable_extension());
  for (DescriptorProto& message : *file.mutable_message_type()) {
    UseProtoNames(message);
  }
}

}  // namespace helpdesk::readme
