#include "gateway/transcoder.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/field_path.h"
#include "gateway/json_printer.h"
#include "gateway/route_table.h"
#include "gateway/url.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libs/status/error_details.h"
#include "libs/text/utf8.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

constexpr char kUpdateMaskField[] = "update_mask";
constexpr char kFieldMaskType[] = "google.protobuf.FieldMask";

// protobuf's parse errors may quote the input on later lines; the first line
// says what is wrong.
absl::Status JsonError(absl::string_view what, absl::string_view detail) {
  absl::string_view first_line = detail.substr(0, detail.find('\n'));
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", first_line));
}

google::protobuf::util::JsonPrintOptions PrintOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  return options;
}

std::string TypeUrl(const Descriptor* type) {
  return absl::StrCat(kTypeUrlPrefix, "/", type->full_name());
}

absl::Status ParseJson(absl::string_view json, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (status.ok()) return absl::OkStatus();
  return JsonError(
      "invalid JSON body",
      absl::string_view(status.message().data(), status.message().size()));
}

bool IsWellKnownType(const Descriptor* message) {
  return absl::StartsWith(message->file()->name(), "google/protobuf/");
}

// The mask paths for the JSON object `object` of message type `type`.
void CollectMaskPaths(const google::protobuf::Struct& object,
                      const Descriptor* type, const std::string& prefix,
                      std::vector<std::string>* paths) {
  for (const auto& [key, value] : object.fields()) {
    absl::StatusOr<FieldPath> field = ResolveFieldPath(type, {key}, true);
    if (!field.ok()) continue;
    const FieldDescriptor* descriptor = field->front();
    const std::string path = absl::StrCat(prefix, descriptor->name());
    if (descriptor->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !descriptor->is_repeated() &&
        !IsWellKnownType(descriptor->message_type()) &&
        value.has_struct_value() && value.struct_value().fields_size() > 0) {
      CollectMaskPaths(value.struct_value(), descriptor->message_type(),
                       absl::StrCat(path, "."), paths);
    } else {
      paths->push_back(path);
    }
  }
}

}  // namespace

Transcoder::Transcoder(const Route& route,
                       google::protobuf::MessageFactory* factory,
                       google::protobuf::util::TypeResolver* resolver)
    : route_(route), factory_(factory), resolver_(resolver) {}

absl::Status Transcoder::ParseJson(absl::string_view json,
                                   Message* message) const {
  if (resolver_ == nullptr) return gateway::ParseJson(json, message);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(
      resolver_, TypeUrl(message->GetDescriptor()),
      google::protobuf::StringPiece(json.data(), json.size()), &binary,
      options);
  if (!status.ok()) {
    return JsonError(
        "invalid JSON body",
        absl::string_view(status.message().data(), status.message().size()));
  }
  if (!message->ParseFromString(binary)) {
    return absl::InvalidArgumentError("invalid JSON body");
  }
  return absl::OkStatus();
}

absl::Status Transcoder::BuildRequest(absl::string_view body,
                                      const std::vector<PathBinding>& bindings,
                                      absl::string_view query) {
  request_.reset(factory_->GetPrototype(route_.method->input_type())->New());
  body = absl::StripAsciiWhitespace(body);
  if (absl::Status status = ParseBody(body); !status.ok()) return status;
  for (const PathBinding& binding : bindings) {
    if (absl::Status status =
            SetFieldFromText(request_.get(), *binding.field, binding.value);
        !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = ApplyQuery(query, bindings); !status.ok()) {
    return status;
  }
  // protobuf's JSON parser accepts Timestamps whose UTC offset carries them
  // past year 9999 (or before year 1): refuse what the backends cannot use.
  if (absl::Status status = CheckTimeRanges(*request_); !status.ok()) {
    return status;
  }
  return DeriveUpdateMask(body);
}

absl::Status Transcoder::ParseBody(absl::string_view body) {
  if (route_.body.empty()) {
    if (!body.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(route_.http_method, " ",
                                                     route_.path_template,
                                                     " takes no request body"));
    }
    return absl::OkStatus();
  }
  if (!text::CodePointCount(body).has_value()) {
    return absl::InvalidArgumentError("request body is not valid UTF-8");
  }
  if (body.empty()) body = "{}";
  if (route_.body == "*") return ParseJson(body, request_.get());
  const FieldDescriptor* field = route_.body_field;
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return ParseJson(
        body, request_->GetReflection()->MutableMessage(request_.get(), field));
  }
  // A scalar or repeated body field: parse it as that field of the request.
  return ParseJson(
      absl::StrCat("{", JsonQuote(field->json_name()), ":", body, "}"),
      request_.get());
}

absl::Status Transcoder::ApplyQuery(absl::string_view query,
                                    const std::vector<PathBinding>& bindings) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> params =
      ParseQueryString(query);
  if (!params.ok()) return params.status();
  // Singular fields set so far: a second value would silently replace the
  // first (`?pageSize=1&pageSize=2`, or both spellings of one name).
  std::vector<FieldPath> singular_set;
  for (const auto& [name, value] : *params) {
    if (route_.body == "*") {
      return InvalidArgumentWithViolations(
          "query parameters are not accepted: the body is the whole request",
          {{name, "not accepted in the query string"}});
    }
    std::vector<std::string> names = absl::StrSplit(name, '.');
    absl::StatusOr<FieldPath> path =
        ResolveFieldPath(route_.method->input_type(), names, true);
    if (!path.ok()) {
      return InvalidArgumentWithViolations(
          absl::StrCat("unknown query parameter \"", name, "\""),
          {{name, std::string(path.status().message())}});
    }
    const bool in_body =
        route_.body_field != nullptr && path->front() == route_.body_field;
    const bool in_path =
        std::any_of(bindings.begin(), bindings.end(),
                    [&](const PathBinding& b) { return *b.field == *path; });
    if (in_body || in_path) {
      return InvalidArgumentWithViolations(
          absl::StrCat("query parameter \"", name, "\" sets a field the ",
                       in_body ? "body" : "path", " sets"),
          {{FieldPathName(*path), "set twice"}});
    }
    if (!IsUrlSettable(path->back())) {
      return InvalidArgumentWithViolations(
          absl::StrCat("query parameter \"", name,
                       "\" names a field a URL cannot set"),
          {{FieldPathName(*path), "not settable from a query parameter"}});
    }
    if (!path->back()->is_repeated()) {
      if (std::find(singular_set.begin(), singular_set.end(), *path) !=
          singular_set.end()) {
        return InvalidArgumentWithViolations(
            absl::StrCat("query parameter \"", name,
                         "\" is given more than once; the field is not "
                         "repeated"),
            {{FieldPathName(*path), "set more than once"}});
      }
      singular_set.push_back(*path);
    }
    if (absl::Status status = SetFieldFromText(request_.get(), *path, value);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Transcoder::DeriveUpdateMask(absl::string_view body) {
  if (route_.http_method != "PATCH" || route_.body_field == nullptr ||
      route_.body_field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      route_.body_field->is_repeated()) {
    return absl::OkStatus();
  }
  const FieldDescriptor* mask_field =
      route_.method->input_type()->FindFieldByName(kUpdateMaskField);
  if (mask_field == nullptr ||
      mask_field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      mask_field->message_type()->full_name() != kFieldMaskType ||
      request_->GetReflection()->HasField(*request_, mask_field)) {
    return absl::OkStatus();
  }
  google::protobuf::Struct object;
  if (!gateway::ParseJson(body.empty() ? "{}" : body, &object).ok()) {
    return absl::OkStatus();  // not an object: nothing to derive
  }
  std::vector<std::string> paths;
  CollectMaskPaths(object, route_.body_field->message_type(), "", &paths);
  std::sort(paths.begin(), paths.end());
  Message* mask =
      request_->GetReflection()->MutableMessage(request_.get(), mask_field);
  const FieldDescriptor* paths_field =
      mask->GetDescriptor()->FindFieldByName("paths");
  for (std::string& path : paths) {
    mask->GetReflection()->AddString(mask, paths_field, std::move(path));
  }
  return absl::OkStatus();
}

std::unique_ptr<Message> Transcoder::NewResponse() const {
  return std::unique_ptr<Message>(
      factory_->GetPrototype(route_.method->output_type())->New());
}

absl::StatusOr<std::string> Transcoder::ResponseToJson(
    const Message& response) const {
  const FieldDescriptor* field = route_.response_body_field;
  if (field == nullptr) return MessageToJson(response);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return MessageToJson(response.GetReflection()->GetMessage(response, field));
  }
  // A scalar or repeated field: print it inside its message and cut it out.
  std::unique_ptr<Message> only(response.New());
  only->CopyFrom(response);
  for (int i = 0; i < only->GetDescriptor()->field_count(); ++i) {
    if (only->GetDescriptor()->field(i) != field) {
      only->GetReflection()->ClearField(only.get(),
                                        only->GetDescriptor()->field(i));
    }
  }
  absl::StatusOr<std::string> json = MessageToJson(*only);
  if (!json.ok()) return json;
  google::protobuf::Struct object;
  if (!gateway::ParseJson(*json, &object).ok() ||
      !object.fields().contains(field->json_name())) {
    return absl::InternalError("cannot print the response body field");
  }
  google::protobuf::Value value = object.fields().at(field->json_name());
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(value, &out, options).ok()) {
    return absl::InternalError("cannot print the response body field");
  }
  return out;
}

absl::StatusOr<std::string> Transcoder::SerializedResponseToJson(
    absl::string_view serialized) const {
  // On an arena: a page of tickets is hundreds of small allocations.
  google::protobuf::Arena arena;
  Message* response =
      factory_->GetPrototype(route_.method->output_type())->New(&arena);
  if (!response->ParseFromArray(serialized.data(),
                                static_cast<int>(serialized.size()))) {
    return absl::InternalError("malformed response from the backend");
  }
  return ResponseToJson(*response);
}

absl::StatusOr<std::string> MessageToJson(const Message& message) {
  std::string json;
  if (JsonPrinter::CanPrint(message.GetDescriptor())) {
    json.reserve(2 * message.ByteSizeLong() + 64);
    if (JsonPrinter::Print(message, &json)) return json;
    json.clear();  // a value without JSON form: protobuf's error below
  }
  auto status = google::protobuf::util::MessageToJsonString(message, &json,
                                                            PrintOptions());
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot print ", message.GetDescriptor()->full_name(), " as JSON"));
  }
  return json;
}

std::string RemoveJsonKey(const std::string& json, absl::string_view key) {
  google::protobuf::Struct object;
  if (!ParseJson(json, &object).ok()) return json;
  object.mutable_fields()->erase(std::string(key));
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(object, &out, options)
           .ok()) {
    return json;
  }
  return out;
}

}  // namespace helpdesk::gateway
