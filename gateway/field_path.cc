#include "gateway/field_path.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/error_details.h"
#include "libs/text/utf8.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::google::protobuf::util::TimeUtil;

constexpr absl::string_view kStringFormWellKnownTypes[] = {
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
};

bool IsWrapper(const Descriptor* message) {
  return message->file()->name() == "google/protobuf/wrappers.proto";
}

bool IsStringFormWellKnownType(const Descriptor* message) {
  for (absl::string_view name : kStringFormWellKnownTypes) {
    if (message->full_name() == name) return true;
  }
  return false;
}

const FieldDescriptor* FindField(const Descriptor* message,
                                 absl::string_view name,
                                 bool allow_json_names) {
  if (const FieldDescriptor* field =
          message->FindFieldByName(std::string(name))) {
    return field;
  }
  if (!allow_json_names) return nullptr;
  for (int i = 0; i < message->field_count(); ++i) {
    if (message->field(i)->json_name() == name) return message->field(i);
  }
  return nullptr;
}

absl::Status BadValue(const std::string& field, absl::string_view text,
                      absl::string_view expected) {
  return InvalidArgumentWithViolations(
      absl::StrCat("invalid value for ", field),
      {{field,
        absl::StrFormat("\"%s\" is not %s",
                        absl::CHexEscape(text.substr(0, 100)), expected)}});
}

bool ParseBool(absl::string_view text, bool* value) {
  if (absl::EqualsIgnoreCase(text, "true") || text == "1") {
    *value = true;
    return true;
  }
  if (absl::EqualsIgnoreCase(text, "false") || text == "0") {
    *value = false;
    return true;
  }
  return false;
}

// Sets or appends a scalar or enum `field` of `message`.
absl::Status SetScalar(Message* message, const FieldDescriptor* field,
                       const std::string& name, absl::string_view text) {
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return BadValue(name, text, "a 32-bit integer");
      }
      repeated ? reflection->AddInt32(message, field, value)
               : reflection->SetInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return BadValue(name, text, "a 64-bit integer");
      }
      repeated ? reflection->AddInt64(message, field, value)
               : reflection->SetInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return BadValue(name, text, "an unsigned 32-bit integer");
      }
      repeated ? reflection->AddUInt32(message, field, value)
               : reflection->SetUInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return BadValue(name, text, "an unsigned 64-bit integer");
      }
      repeated ? reflection->AddUInt64(message, field, value)
               : reflection->SetUInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double value;
      if (!absl::SimpleAtod(text, &value)) {
        return BadValue(name, text, "a number");
      }
      repeated ? reflection->AddDouble(message, field, value)
               : reflection->SetDouble(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float value;
      if (!absl::SimpleAtof(text, &value)) {
        return BadValue(name, text, "a number");
      }
      repeated ? reflection->AddFloat(message, field, value)
               : reflection->SetFloat(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value;
      if (!ParseBool(text, &value)) {
        return BadValue(name, text, "true or false");
      }
      repeated ? reflection->AddBool(message, field, value)
               : reflection->SetBool(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value =
          field->enum_type()->FindValueByName(std::string(text));
      int number;
      if (value == nullptr && absl::SimpleAtoi(text, &number)) {
        value = field->enum_type()->FindValueByNumber(number);
      }
      if (value == nullptr) {
        return BadValue(
            name, text,
            absl::StrCat("a value of ", field->enum_type()->name()));
      }
      repeated ? reflection->AddEnum(message, field, value)
               : reflection->SetEnum(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value;
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        if (!absl::Base64Unescape(text, &value) &&
            !absl::WebSafeBase64Unescape(text, &value)) {
          return BadValue(name, text, "base64");
        }
      } else {
        if (!text::CodePointCount(text).has_value()) {
          return BadValue(name, text, "valid UTF-8");
        }
        value = std::string(text);
      }
      repeated ? reflection->AddString(message, field, std::move(value))
               : reflection->SetString(message, field, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return BadValue(name, text, "settable from a URL");
}

// Why the Timestamp or Duration `value` is out of range, "" if it is not (or
// is of another type).
std::string TimeRangeViolation(const Message& value) {
  const Descriptor* type = value.GetDescriptor();
  const bool timestamp = type->full_name() == "google.protobuf.Timestamp";
  if (!timestamp && type->full_name() != "google.protobuf.Duration") return "";
  const FieldDescriptor* seconds_field = type->FindFieldByName("seconds");
  const FieldDescriptor* nanos_field = type->FindFieldByName("nanos");
  if (seconds_field == nullptr || nanos_field == nullptr) return "";
  const int64_t seconds = value.GetReflection()->GetInt64(value, seconds_field);
  const int32_t nanos = value.GetReflection()->GetInt32(value, nanos_field);
  if (timestamp) {
    if (seconds < TimeUtil::kTimestampMinSeconds ||
        seconds > TimeUtil::kTimestampMaxSeconds || nanos < 0 ||
        nanos > 999999999) {
      return "is outside 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z";
    }
    return "";
  }
  if (seconds < TimeUtil::kDurationMinSeconds ||
      seconds > TimeUtil::kDurationMaxSeconds || nanos < -999999999 ||
      nanos > 999999999 || (seconds < 0 && nanos > 0) ||
      (seconds > 0 && nanos < 0)) {
    return "is outside -315576000000s .. 315576000000s";
  }
  return "";
}

void CollectTimeRangeViolations(const Message& message,
                                const std::string& prefix,
                                std::vector<FieldViolation>* violations) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string name = absl::StrCat(prefix, field->name());
    auto check = [&](const Message& value, const std::string& path) {
      std::string why = TimeRangeViolation(value);
      if (!why.empty()) {
        violations->push_back({path, std::move(why)});
      } else {
        CollectTimeRangeViolations(value, absl::StrCat(path, "."), violations);
      }
    };
    if (!field->is_repeated()) {
      check(reflection->GetMessage(message, field), name);
      continue;
    }
    const int count = reflection->FieldSize(message, field);
    for (int i = 0; i < count; ++i) {
      check(reflection->GetRepeatedMessage(message, field, i),
            absl::StrCat(name, "[", i, "]"));
    }
  }
}

}  // namespace

absl::Status CheckTimeRanges(const Message& message) {
  std::vector<FieldViolation> violations;
  CollectTimeRangeViolations(message, "", &violations);
  if (violations.empty()) return absl::OkStatus();
  return InvalidArgumentWithViolations(
      absl::StrCat("time out of range: ", violations.front().field, " ",
                   violations.front().description),
      violations);
}

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor* message,
                                           absl::Span<const std::string> names,
                                           bool allow_json_names) {
  FieldPath path;
  const Descriptor* current = message;
  for (size_t i = 0; i < names.size(); ++i) {
    if (current == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::StrJoin(names, "."), "\": ", names[i - 1],
                       " is not a message field"));
    }
    const FieldDescriptor* field =
        FindField(current, names[i], allow_json_names);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::StrJoin(names, "."), "\": no field \"",
                       names[i], "\" in ", current->full_name()));
    }
    if (i + 1 < names.size() && field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", absl::StrJoin(names, "."), "\": ", names[i], " is repeated"));
    }
    path.push_back(field);
    current = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                      !field->is_map()
                  ? field->message_type()
                  : nullptr;
  }
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  return path;
}

std::string FieldPathName(const FieldPath& path) {
  return absl::StrJoin(path, ".",
                       [](std::string* out, const FieldDescriptor* field) {
                         out->append(field->name());
                       });
}

bool IsUrlSettable(const FieldDescriptor* field) {
  if (field->is_map()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  return IsWrapper(field->message_type()) ||
         IsStringFormWellKnownType(field->message_type());
}

absl::Status SetFieldFromText(Message* message, const FieldPath& path,
                              absl::string_view text) {
  const std::string name = FieldPathName(path);
  Message* current = message;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    current = current->GetReflection()->MutableMessage(current, path[i]);
  }
  const FieldDescriptor* field = path.back();
  if (!IsUrlSettable(field)) return BadValue(name, text, "settable from a URL");
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return SetScalar(current, field, name, text);
  }
  const Reflection* reflection = current->GetReflection();
  Message* target = field->is_repeated()
                        ? reflection->AddMessage(current, field)
                        : reflection->MutableMessage(current, field);
  if (IsWrapper(field->message_type())) {
    return SetScalar(target, target->GetDescriptor()->FindFieldByName("value"),
                     name, text);
  }
  if (!text::CodePointCount(text).has_value()) {
    return BadValue(name, text, "valid UTF-8");
  }
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(JsonQuote(text), target,
                                                   options)
           .ok()) {
    return BadValue(name, text,
                    absl::StrCat("a valid ", field->message_type()->name(),
                                 field->message_type()->name() == "Timestamp"
                                     ? " (RFC 3339, e.g. 2024-05-01T12:00:00Z)"
                                     : ""));
  }
  return absl::OkStatus();
}

std::string JsonQuote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace helpdesk::gateway
