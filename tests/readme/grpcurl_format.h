// Text conventions of grpcurl 1.8.7 that the grpcurl-compatible client
// (grpcurl_compat.cc) reproduces: how messages are laid out as JSON, how -d
// input is split into messages, and how gRPC codes and errors are named.
#ifndef HELPDESK_TESTS_README_GRPCURL_FORMAT_H_
#define HELPDESK_TESTS_README_GRPCURL_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::readme {

// Lays out JSON (as protobuf's JSON printer writes it, compact) the way
// grpcurl 1.8.7 prints a message, i.e. jhump/protoreflect's printer with a
// two-space indent: every member and element on its own line, `"key": value`,
// and an empty object or array still spread over lines ("{\n  \n}"). An
// object holding "@type" (a google.protobuf.Any) is printed on one line with
// its keys sorted, as golang/protobuf's jsonpb does for Any contents.
// Strings are escaped as Go's encoding/json escapes them ("&" as \u0026).
// Differences left (layout only): google.protobuf.Struct/Value/ListValue are
// laid out like messages, where jsonpb indents them a little differently.
// INVALID_ARGUMENT if `json` is not valid JSON.
absl::StatusOr<std::string> GrpcurlLayout(absl::string_view json);

// Splits -d data into its top-level JSON values, as grpcurl's json.Decoder
// reads them: one after another, optionally separated by whitespace.
absl::StatusOr<std::vector<std::string>> SplitJsonValues(
    absl::string_view data);

// `text` in double quotes, as Go's %q prints it (for the README's names:
// printable ASCII; other bytes are escaped C-style).
std::string GoQuote(absl::string_view text);

// The name grpc-go gives a status code (codes.Code.String()): "OK",
// "InvalidArgument", "Unauthenticated", ... grpcurl prints these.
std::string GoCodeName(absl::StatusCode code);

// How grpc-go writes a status error with %v: "rpc error: code = Unavailable
// desc = ...".
std::string GoRpcError(const absl::Status& status);

}  // namespace helpdesk::readme

#endif  // HELPDESK_TESTS_README_GRPCURL_FORMAT_H_
