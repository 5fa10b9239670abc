#ifndef HELPDESK_GATEWAY_JSON_PRINTER_H_
#define HELPDESK_GATEWAY_JSON_PRINTER_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace helpdesk::gateway {

// Prints a message as proto3 JSON the way the gateway answers: lowerCamel
// json names, primitive fields printed even when default (protobuf's
// always_print_primitive_fields), int64 as strings, enums by name, and the
// well-known Timestamp, Duration, FieldMask, wrapper and Struct types in
// their JSON forms.
//
// Why not google::protobuf::util::MessageToJsonString: in the protobuf
// release Debian ships (3.21) it serializes the message, re-reads it
// through a TypeResolver and, with always_print_primitive_fields, builds a
// tree of heap nodes for every field first. That was most of the gateway's
// cost for a page of tickets (malloc/free at ~35 % of a profile). This
// printer walks the message by reflection straight into one string.
//
// Types it does not print itself (google.protobuf.Any, maps, float and
// double fields outside Struct) are reported by CanPrint(); callers use
// protobuf's printer for those. Thread-safe.
class JsonPrinter final {
 public:
  // Whether Print() handles every field `type` can hold.
  static bool CanPrint(const google::protobuf::Descriptor* type);

  // Appends `message` as JSON to `out`. Only for types CanPrint() accepts.
  // False when a value has no JSON form (a Timestamp or Duration out of its
  // range: protobuf's printer refuses those too); `out` is then garbage.
  static bool Print(const google::protobuf::Message& message, std::string* out);
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_JSON_PRINTER_H_
