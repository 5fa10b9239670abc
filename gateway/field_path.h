#ifndef HELPDESK_GATEWAY_FIELD_PATH_H_
#define HELPDESK_GATEWAY_FIELD_PATH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace helpdesk::gateway {

// The chain of fields from a request message down to one field, e.g.
// {UpdateTicketRequest.ticket, Ticket.id} for the path variable
// `{ticket.id}`. Every field but the last is a singular message field.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// Resolves dotted `names` starting at `message`. Names are proto field
// names; with `allow_json_names`, lowerCamelCase JSON names as well (query
// parameters accept both spellings). INVALID_ARGUMENT for an unknown field or
// a step through a repeated or non-message field.
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor* message,
    absl::Span<const std::string> names, bool allow_json_names);

// The field path in proto spelling, e.g. "ticket.id".
std::string FieldPathName(const FieldPath& path);

// True for a field a single URL value can set: a scalar, an enum, or a
// well-known type with a string JSON form (Timestamp, Duration, FieldMask,
// wrappers), singular or repeated.
bool IsUrlSettable(const google::protobuf::FieldDescriptor* field);

// Sets the field at `path` of `message` to the URL value `text` (already
// percent-decoded); a repeated field gets `text` appended. Numbers in
// decimal, bools as true/false, enums by name (or number), bytes in
// base64, Timestamps in RFC 3339, Durations as "1.5s". INVALID_ARGUMENT with
// a google.rpc.BadRequest naming the field when `text` does not fit.
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              const FieldPath& path, absl::string_view text);

// INVALID_ARGUMENT with a google.rpc.BadRequest naming each field (e.g.
// "start_time", "ticket.tags[1]") of `message`, at any depth, holding a
// google.protobuf.Timestamp outside 0001-01-01 .. 9999-12-31 UTC or a
// google.protobuf.Duration outside +-10000 years (or with nanos out of
// range): values protobuf cannot print back as JSON. OK otherwise.
absl::Status CheckTimeRanges(const google::protobuf::Message& message);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_FIELD_PATH_H_
