#include "gateway/json_printer.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

enum class Kind {
  kMessage,    // an object of its fields
  kTimestamp,  // "2026-11-25T16:22:01.5Z"
  kDuration,   // "1.500s"
  kFieldMask,  // "title,body"
  kWrapper,    // the value field alone
  kStruct,     // {"key": Value, ...}
  kValue,      // whichever kind is set
  kListValue,  // [Value, ...]
  kUnsupported,
};

Kind KindOf(const Descriptor* type) {
  const std::string& name = type->full_name();
  if (name == "google.protobuf.Timestamp") return Kind::kTimestamp;
  if (name == "google.protobuf.Duration") return Kind::kDuration;
  if (name == "google.protobuf.FieldMask") return Kind::kFieldMask;
  if (name == "google.protobuf.Struct") return Kind::kStruct;
  if (name == "google.protobuf.Value") return Kind::kValue;
  if (name == "google.protobuf.ListValue") return Kind::kListValue;
  if (name == "google.protobuf.Any") return Kind::kUnsupported;
  if (type->file()->name() == "google/protobuf/wrappers.proto") {
    return Kind::kWrapper;
  }
  return Kind::kMessage;
}

// Shortest text that reads back as the same double (protobuf's SimpleDtoa).
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
  }
  return buffer;
}

// Whether `c` must be escaped inside a JSON string: quotes, backslash,
// control characters and DEL, and < > as protobuf escapes them. (Protobuf
// also escapes a few invisible code points such as U+2028; valid JSON
// either way.)
bool NeedsEscape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == 0x7f;
}

void AppendEscaped(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    default:
      absl::StrAppendFormat(out, "\\u%04x", c);
  }
}

// Runs of characters that need no escape are copied whole.
void AppendString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    out->append(text.data() + run_start, i - run_start);
    AppendEscaped(c, out);
    run_start = i + 1;
  }
  out->append(text.data() + run_start, text.size() - run_start);
  out->push_back('"');
}

// "2026-11-25T16:22:01" for seconds since the epoch, UTC (the civil-from-
// days algorithm of Howard Hinnant's date library; no time-zone lookup).
void AppendUtcSeconds(int64_t seconds, std::string* out) {
  int64_t days = seconds / 86400;
  int64_t of_day = seconds % 86400;
  if (of_day < 0) {
    of_day += 86400;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                               day_of_era / 36524 - day_of_era / 146096) /
                              365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
  const int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  auto digits = [out](int64_t value, int width) {
    char text[8];
    for (int i = width - 1; i >= 0; --i) {
      text[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out->append(text, width);
  };
  digits(year, 4);
  out->push_back('-');
  digits(month, 2);
  out->push_back('-');
  digits(day, 2);
  out->push_back('T');
  digits(of_day / 3600, 2);
  out->push_back(':');
  digits(of_day / 60 % 60, 2);
  out->push_back(':');
  digits(of_day % 60, 2);
}

// Fractional seconds with 0, 3, 6 or 9 digits, as protobuf prints them.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  if (nanos % 1'000'000 == 0) {
    absl::StrAppendFormat(out, ".%03d", nanos / 1'000'000);
  } else if (nanos % 1'000 == 0) {
    absl::StrAppendFormat(out, ".%06d", nanos / 1'000);
  } else {
    absl::StrAppendFormat(out, ".%09d", nanos);
  }
}

// "update_mask.paths" → "updateMask.paths".
std::string ToCamel(absl::string_view path) {
  std::string camel;
  bool upper = false;
  for (char c : path) {
    if (c == '_') {
      upper = true;
    } else {
      camel.push_back(upper ? absl::ascii_toupper(c) : c);
      upper = false;
    }
  }
  return camel;
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(out) {}

  // False once a value had no JSON form (a Timestamp or Duration out of
  // range); the output is then unusable.
  bool valid() const { return valid_; }

  void PrintMessage(const Message& message) {
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    switch (KindOf(type)) {
      case Kind::kTimestamp: {
        const int64_t seconds =
            reflection->GetInt64(message, type->FindFieldByNumber(1));
        const int32_t nanos =
            reflection->GetInt32(message, type->FindFieldByNumber(2));
        // The range protobuf's JSON mapping allows (years 1 to 9999).
        if (seconds < -62'135'596'800 || seconds > 253'402'300'799 ||
            nanos < 0 || nanos > 999'999'999) {
          valid_ = false;
          return;
        }
        out_->push_back('"');
        AppendUtcSeconds(seconds, out_);
        AppendNanos(nanos, out_);
        out_->append("Z\"");
        return;
      }
      case Kind::kDuration: {
        const int64_t seconds =
            reflection->GetInt64(message, type->FindFieldByNumber(1));
        const int32_t nanos =
            reflection->GetInt32(message, type->FindFieldByNumber(2));
        // ±10 000 years, nanos of the same sign as seconds.
        if (seconds < -315'576'000'000 || seconds > 315'576'000'000 ||
            nanos < -999'999'999 || nanos > 999'999'999 ||
            (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
          valid_ = false;
          return;
        }
        out_->push_back('"');
        if (seconds < 0 || nanos < 0) out_->push_back('-');
        absl::StrAppend(out_, std::llabs(seconds));
        AppendNanos(std::abs(nanos), out_);
        out_->append("s\"");
        return;
      }
      case Kind::kFieldMask: {
        const FieldDescriptor* paths = type->FindFieldByNumber(1);
        std::string joined;
        for (int i = 0; i < reflection->FieldSize(message, paths); ++i) {
          if (i > 0) joined.push_back(',');
          joined.append(
              ToCamel(reflection->GetRepeatedString(message, paths, i)));
        }
        AppendString(joined, out_);
        return;
      }
      case Kind::kWrapper:
        PrintSingular(message, type->FindFieldByNumber(1));
        return;
      case Kind::kStruct: {
        // map<string, Value> fields = 1: entries with key 1 and value 2.
        const FieldDescriptor* fields = type->FindFieldByNumber(1);
        out_->push_back('{');
        for (int i = 0; i < reflection->FieldSize(message, fields); ++i) {
          const Message& entry =
              reflection->GetRepeatedMessage(message, fields, i);
          const Reflection* entry_reflection = entry.GetReflection();
          const Descriptor* entry_type = entry.GetDescriptor();
          if (i > 0) out_->push_back(',');
          AppendString(entry_reflection->GetString(
                           entry, entry_type->FindFieldByNumber(1)),
                       out_);
          out_->push_back(':');
          PrintMessage(entry_reflection->GetMessage(
              entry, entry_type->FindFieldByNumber(2)));
        }
        out_->push_back('}');
        return;
      }
      case Kind::kValue: {
        const FieldDescriptor* kind =
            reflection->GetOneofFieldDescriptor(message, type->oneof_decl(0));
        if (kind == nullptr || kind->name() == "null_value") {
          out_->append("null");
        } else if (kind->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          PrintMessage(reflection->GetMessage(message, kind));
        } else if (kind->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          out_->append(FormatDouble(reflection->GetDouble(message, kind)));
        } else {
          PrintSingular(message, kind);
        }
        return;
      }
      case Kind::kListValue: {
        const FieldDescriptor* values = type->FindFieldByNumber(1);
        out_->push_back('[');
        for (int i = 0; i < reflection->FieldSize(message, values); ++i) {
          if (i > 0) out_->push_back(',');
          PrintMessage(reflection->GetRepeatedMessage(message, values, i));
        }
        out_->push_back(']');
        return;
      }
      case Kind::kMessage:
      case Kind::kUnsupported:
        break;
    }

    out_->push_back('{');
    bool first = true;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (!IsPrinted(message, field)) continue;
      if (!first) out_->push_back(',');
      first = false;
      AppendString(field->json_name(), out_);
      out_->push_back(':');
      if (field->is_repeated()) {
        out_->push_back('[');
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          if (j > 0) out_->push_back(',');
          PrintRepeatedElement(message, field, j);
        }
        out_->push_back(']');
      } else {
        PrintSingular(message, field);
      }
    }
    out_->push_back('}');
  }

 private:
  // Set fields, and (always_print_primitive_fields) primitives and repeated
  // fields without presence even when default; unset messages, oneof
  // members and proto3 `optional` fields are left out.
  static bool IsPrinted(const Message& message, const FieldDescriptor* field) {
    const Reflection* reflection = message.GetReflection();
    if (field->is_repeated()) return true;
    if (field->has_presence()) return reflection->HasField(message, field);
    return true;
  }

  // By name; a number this binary has no name for as the number.
  void PrintEnum(const FieldDescriptor* field, int number) {
    const EnumValueDescriptor* value =
        field->enum_type()->FindValueByNumber(number);
    if (value != nullptr) {
      AppendString(value->name(), out_);
    } else {
      absl::StrAppend(out_, number);
    }
  }

  void PrintSingular(const Message& message, const FieldDescriptor* field) {
    PrintValue(field, Singular{message, *message.GetReflection(), field});
  }

  void PrintRepeatedElement(const Message& message,
                            const FieldDescriptor* field, int index) {
    PrintValue(field, Element{message, *message.GetReflection(), field, index});
  }

  // Reads a singular field, or one element of a repeated field, with the
  // same calls, so that PrintValue serves both.
  struct Singular {
    const Message& m;
    const Reflection& r;
    const FieldDescriptor* f;
    int32_t Int32() const { return r.GetInt32(m, f); }
    uint32_t UInt32() const { return r.GetUInt32(m, f); }
    int64_t Int64() const { return r.GetInt64(m, f); }
    uint64_t UInt64() const { return r.GetUInt64(m, f); }
    bool Bool() const { return r.GetBool(m, f); }
    double Double() const { return r.GetDouble(m, f); }
    float Float() const { return r.GetFloat(m, f); }
    int EnumValue() const { return r.GetEnumValue(m, f); }
    const std::string& String(std::string* scratch) const {
      return r.GetStringReference(m, f, scratch);
    }
    const Message& Sub() const { return r.GetMessage(m, f); }
  };
  struct Element {
    const Message& m;
    const Reflection& r;
    const FieldDescriptor* f;
    int i;
    int32_t Int32() const { return r.GetRepeatedInt32(m, f, i); }
    uint32_t UInt32() const { return r.GetRepeatedUInt32(m, f, i); }
    int64_t Int64() const { return r.GetRepeatedInt64(m, f, i); }
    uint64_t UInt64() const { return r.GetRepeatedUInt64(m, f, i); }
    bool Bool() const { return r.GetRepeatedBool(m, f, i); }
    double Double() const { return r.GetRepeatedDouble(m, f, i); }
    float Float() const { return r.GetRepeatedFloat(m, f, i); }
    int EnumValue() const { return r.GetRepeatedEnumValue(m, f, i); }
    const std::string& String(std::string* scratch) const {
      return r.GetRepeatedStringReference(m, f, i, scratch);
    }
    const Message& Sub() const { return r.GetRepeatedMessage(m, f, i); }
  };

  template <typename Value>
  void PrintValue(const FieldDescriptor* field, const Value& value) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(out_, value.Int32());
        return;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(out_, value.UInt32());
        return;
      case FieldDescriptor::CPPTYPE_INT64:  // 64-bit integers as strings
        absl::StrAppend(out_, "\"", value.Int64(), "\"");
        return;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"", value.UInt64(), "\"");
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_->append(value.Bool() ? "true" : "false");
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        out_->append(FormatDouble(value.Double()));
        return;
      case FieldDescriptor::CPPTYPE_FLOAT:
        out_->append(FormatDouble(value.Float()));
        return;
      case FieldDescriptor::CPPTYPE_ENUM:
        PrintEnum(field, value.EnumValue());
        return;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text = value.String(&scratch);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          AppendString(absl::Base64Escape(text), out_);
        } else {
          AppendString(text, out_);  // no copy on the hot path
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        PrintMessage(value.Sub());
        return;
    }
  }

  std::string* const out_;
  bool valid_ = true;
};

bool ComputeCanPrint(const Descriptor* type,
                     absl::flat_hash_map<const Descriptor*, bool>& seen) {
  if (auto it = seen.find(type); it != seen.end()) return it->second;
  seen[type] = true;  // recursive types: assume yes while looking
  bool ok = true;
  switch (KindOf(type)) {
    case Kind::kUnsupported:
      ok = false;
      break;
    case Kind::kTimestamp:
    case Kind::kDuration:
    case Kind::kFieldMask:
    case Kind::kWrapper:
    case Kind::kStruct:
    case Kind::kValue:
    case Kind::kListValue:
      break;
    case Kind::kMessage:
      for (int i = 0; i < type->field_count() && ok; ++i) {
        const FieldDescriptor* field = type->field(i);
        if (field->is_map() ||
            field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT ||
            field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          ok = false;
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          ok = ComputeCanPrint(field->message_type(), seen);
        }
      }
      break;
  }
  seen[type] = ok;
  return ok;
}

}  // namespace

bool JsonPrinter::CanPrint(const Descriptor* type) {
  // A walk over a few dozen descriptors: cheap next to printing.
  absl::flat_hash_map<const Descriptor*, bool> seen;
  return ComputeCanPrint(type, seen);
}

bool JsonPrinter::Print(const Message& message, std::string* out) {
  Printer printer(out);
  printer.PrintMessage(message);
  return printer.valid();
}

}  // namespace helpdesk::gateway
