// Command line of the grpcurl-compatible client: the subset of grpcurl
// 1.8.7's flags the README uses, parsed the way Go's flag package parses
// them (so a line that works here works with grpcurl).
#ifndef HELPDESK_TESTS_README_GRPCURL_FLAGS_H_
#define HELPDESK_TESTS_README_GRPCURL_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace helpdesk::readme {

// The parsed flags and the positional arguments after them. Like Go's flag
// package: "-name" and "--name" are the same, a value follows as "=value"
// or as the next argument, boolean flags take only "=value", and parsing
// stops at the first argument that is not a flag (or after "--").
struct GrpcurlFlags {
  bool help = false;
  bool plaintext = false;
  bool emit_defaults = false;
  std::vector<std::string> headers;          // -H: RPC and reflection
  std::vector<std::string> rpc_headers;      // -rpc-header: the RPC only
  std::vector<std::string> reflect_headers;  // -reflect-header
  std::string data;                          // -d ("@" reads stdin)
  double max_time = 0;                       // -max-time (seconds)
  double connect_timeout = 0;                // -connect-timeout (seconds)
  std::vector<std::string> args;
};

// INVALID_ARGUMENT with Go's wording ("flag provided but not defined: -x").
absl::StatusOr<GrpcurlFlags> ParseGrpcurlFlags(
    const std::vector<std::string>& argv);

// The usage text (for -help and after flag errors).
std::string GrpcurlUsage(const std::string& program);

}  // namespace helpdesk::readme

#endif  // HELPDESK_TESTS_README_GRPCURL_FLAGS_H_
