// libFuzzer target: routing and JSON -> request message transcoding.
//
// The input is a request line and a body:
//
//   PATCH /v1/tickets/3?updateMask=title
//   {"title": "Printer jams"}
//
// (the method, a space, the target; a newline; the rest is the body). The
// method and path are matched against the route table built from the
// linked-in contracts (RouteTable::Match), and a match is transcoded into its
// request message from the path variables, the query string and the body
// (Transcoder::BuildRequest), as the gateway does for every request.
//
// Checked beyond "no crash": every failure is INVALID_ARGUMENT; a lookup's
// outcome is consistent (the matched route has the method and one binding
// per variable; a 405 lists sorted, distinct other methods); a decoded query
// string encodes back to itself; a built request serializes and parses back
// equal, prints as JSON with the gateway's own printer as protobuf's printer
// does and protobuf parses that back equal, holds each path variable's value
// (path variables win), and a derived update_mask names fields of the body;
// protobuf never logs an error (protobuf_errors.h).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/field_path.h"
#include "gateway/helpdesk_protos.h"
#include "gateway/route_table.h"
#include "gateway/transcoder.h"
#include "gateway/url.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/protobuf_errors.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;

const RouteTable& Routes() {
  static const RouteTable* table = [] {
    fuzz::AbortOnProtobufErrors();
    auto built =
        RouteTable::Build(*HelpdeskGeneratedPool(), HelpdeskServices());
    FUZZ_CHECK(built.ok());
    return built->release();
  }();
  return *table;
}

void CheckLookup(const RouteLookup& lookup, absl::string_view method) {
  switch (lookup.outcome) {
    case RouteLookup::Outcome::kMatched:
      FUZZ_CHECK(lookup.route != nullptr);
      FUZZ_CHECK(lookup.route->http_method == method);
      FUZZ_CHECK(lookup.bindings.size() ==
                 lookup.route->variable_fields.size());
      for (size_t i = 0; i < lookup.bindings.size(); ++i) {
        FUZZ_CHECK(lookup.bindings[i].field ==
                   &lookup.route->variable_fields[i]);
      }
      break;
    case RouteLookup::Outcome::kMethodNotAllowed:
      FUZZ_CHECK(!lookup.allowed_methods.empty());
      for (size_t i = 0; i < lookup.allowed_methods.size(); ++i) {
        FUZZ_CHECK(lookup.allowed_methods[i] != method);
        if (i > 0) {
          FUZZ_CHECK(lookup.allowed_methods[i - 1] < lookup.allowed_methods[i]);
        }
      }
      break;
    case RouteLookup::Outcome::kNotFound:
    case RouteLookup::Outcome::kMalformedPath:
      FUZZ_CHECK(lookup.route == nullptr || lookup.bindings.empty());
      break;
  }
}

std::string PercentEncode(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// A decoded query string, encoded again, decodes to the same pairs.
void CheckQueryRoundTrip(absl::string_view query) {
  auto params = ParseQueryString(query);
  if (!params.ok()) {
    FUZZ_CHECK(params.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  std::string encoded;
  for (const auto& [name, value] : *params) {
    absl::StrAppend(&encoded, encoded.empty() ? "" : "&", PercentEncode(name),
                    "=", PercentEncode(value));
  }
  auto again = ParseQueryString(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *params);
}

// True if a parameter of `query` names the field `field` (or below it).
bool QuerySets(absl::string_view query,
               const google::protobuf::Descriptor* type,
               const FieldDescriptor* field) {
  auto params = ParseQueryString(query);
  if (!params.ok()) return false;
  for (const auto& [name, value] : *params) {
    std::vector<std::string> names = absl::StrSplit(name, '.');
    auto path = ResolveFieldPath(type, names, /*allow_json_names=*/true);
    if (path.ok() && path->front() == field) return true;
  }
  return false;
}

// The value of the singular field at `path` in `message`, as text.
std::string FieldText(const Message& message, const FieldPath& path) {
  const Message* current = &message;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    current = &current->GetReflection()->GetMessage(*current, path[i]);
  }
  const FieldDescriptor* field = path.back();
  const auto* reflection = current->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(reflection->GetInt32(*current, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(reflection->GetInt64(*current, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(reflection->GetUInt32(*current, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(reflection->GetUInt64(*current, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(reflection->GetDouble(*current, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(reflection->GetFloat(*current, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return absl::StrCat(reflection->GetBool(*current, field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat(reflection->GetEnumValue(*current, field));
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection->GetString(*current, field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return reflection->GetMessage(*current, field).SerializeAsString();
  }
  return "";
}

void CheckRequest(const Route& route, const std::vector<PathBinding>& bindings,
                  absl::string_view query, const Message& request) {
  FUZZ_CHECK(request.GetDescriptor() == route.method->input_type());

  std::string wire;
  FUZZ_CHECK(request.SerializeToString(&wire));
  std::unique_ptr<Message> parsed(request.New());
  FUZZ_CHECK(parsed->ParseFromString(wire));
  FUZZ_CHECK(MessageDifferencer::Equals(*parsed, request));

  // The gateway's printer against protobuf's, as json_printer_test does it.
  // A client's FieldMask (`?updateMask=`) may hold paths without a JSON form
  // (`Title`, `a_1b`: lowerCamelCase loses them), left to the backend to
  // refuse: not compared.
  const FieldDescriptor* mask_field =
      route.method->input_type()->FindFieldByName("update_mask");
  const bool client_mask =
      mask_field != nullptr &&
      QuerySets(query, route.method->input_type(), mask_field);
  std::unique_ptr<Message> printable(request.New());
  printable->CopyFrom(request);
  if (client_mask) {
    printable->GetReflection()->ClearField(printable.get(), mask_field);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string theirs;
  const auto printed =
      google::protobuf::util::MessageToJsonString(*printable, &theirs, options);
  // protobuf's JSON printer stops at a smaller depth than its parser (a
  // google.protobuf.Struct nested deep in `ticket.history`):
  // nothing to compare then.
  const bool too_deep =
      !printed.ok() && absl::StrContains(std::string(printed.message()),
                                         "Max recursion depth reached");
  if (!printed.ok() && !too_deep) {
    std::fprintf(stderr, "protobuf cannot print the request: %s\n",
                 std::string(printed.message()).c_str());
    FUZZ_CHECK(printed.ok());
  }
  if (!too_deep) {
    absl::StatusOr<std::string> ours = MessageToJson(*printable);
    FUZZ_CHECK(ours.ok());
    google::protobuf::Value our_value;
    google::protobuf::Value their_value;
    FUZZ_CHECK(
        google::protobuf::util::JsonStringToMessage(*ours, &our_value).ok());
    FUZZ_CHECK(
        google::protobuf::util::JsonStringToMessage(theirs, &their_value).ok());
    FUZZ_CHECK(MessageDifferencer::Equals(our_value, their_value));
    std::unique_ptr<Message> from_json(request.New());
    FUZZ_CHECK(
        google::protobuf::util::JsonStringToMessage(*ours, from_json.get())
            .ok());
    FUZZ_CHECK(MessageDifferencer::Equals(*from_json, *printable));
  }

  for (const PathBinding& binding : bindings) {
    std::unique_ptr<Message> alone(request.New());
    FUZZ_CHECK(
        SetFieldFromText(alone.get(), *binding.field, binding.value).ok());
    FUZZ_CHECK(FieldText(request, *binding.field) ==
               FieldText(*alone, *binding.field));
  }

  if (route.http_method == "PATCH" && route.body_field != nullptr &&
      route.body_field->message_type() != nullptr && mask_field != nullptr &&
      mask_field->message_type() != nullptr && !client_mask) {
    // Derived from the body: its keys, in proto spelling.
    const Message& mask =
        request.GetReflection()->GetMessage(request, mask_field);
    const FieldDescriptor* paths =
        mask.GetDescriptor()->FindFieldByName("paths");
    for (int i = 0; i < mask.GetReflection()->FieldSize(mask, paths); ++i) {
      const std::string path =
          mask.GetReflection()->GetRepeatedString(mask, paths, i);
      std::vector<std::string> names = absl::StrSplit(path, '.');
      FUZZ_CHECK(ResolveFieldPath(route.body_field->message_type(), names,
                                  /*allow_json_names=*/false)
                     .ok());
    }
  }
}

}  // namespace
}  // namespace helpdesk::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace helpdesk::gateway;  // NOLINT
  const RouteTable& routes = Routes();

  absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  absl::string_view line = input.substr(0, newline);
  const absl::string_view body = newline == absl::string_view::npos
                                     ? absl::string_view()
                                     : input.substr(newline + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return 0;
  const absl::string_view method = line.substr(0, space);
  const absl::string_view target = line.substr(space + 1);
  const size_t mark = target.find('?');
  const absl::string_view path = target.substr(0, mark);
  const absl::string_view query = mark == absl::string_view::npos
                                      ? absl::string_view()
                                      : target.substr(mark + 1);

  CheckQueryRoundTrip(query);
  const RouteLookup lookup = routes.Match(method, path);
  CheckLookup(lookup, method);
  if (lookup.outcome != RouteLookup::Outcome::kMatched) return 0;

  Transcoder transcoder(*lookup.route,
                        google::protobuf::MessageFactory::generated_factory());
  const absl::Status status =
      transcoder.BuildRequest(body, lookup.bindings, query);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  CheckRequest(*lookup.route, lookup.bindings, query, transcoder.request());
  return 0;
}
