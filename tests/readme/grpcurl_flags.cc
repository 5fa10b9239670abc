#include "tests/readme/grpcurl_flags.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace helpdesk::readme {
namespace {

// Go's strconv.ParseBool.
bool ParseGoBool(absl::string_view text, bool* value) {
  for (absl::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) {
      *value = true;
      return true;
    }
  }
  for (absl::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) {
      *value = false;
      return true;
    }
  }
  return false;
}

absl::Status Invalid(absl::string_view value, absl::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid value \"", value, "\" for flag -", name, ": parse error"));
}

}  // namespace

absl::StatusOr<GrpcurlFlags> ParseGrpcurlFlags(
    const std::vector<std::string>& argv) {
  GrpcurlFlags flags;
  size_t i = 1;
  for (; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg == "--") {
      ++i;
      break;
    }
    absl::string_view name = arg.substr(arg[1] == '-' ? 2 : 1);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return absl::InvalidArgumentError(absl::StrCat("bad flag syntax: ", arg));
    }
    bool has_value = false;
    absl::string_view value;
    if (const size_t equals = name.find('='); equals != name.npos) {
      has_value = true;
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    bool* boolean = name == "plaintext"             ? &flags.plaintext
                    : name == "emit-defaults"       ? &flags.emit_defaults
                    : name == "help" || name == "h" ? &flags.help
                                                    : nullptr;
    if (boolean != nullptr) {
      if (has_value && !ParseGoBool(value, boolean)) {
        return Invalid(value, name);
      }
      if (!has_value) *boolean = true;
      continue;
    }
    std::string* text = name == "d" ? &flags.data : nullptr;
    std::vector<std::string>* list = name == "H"            ? &flags.headers
                                     : name == "rpc-header" ? &flags.rpc_headers
                                     : name == "reflect-header"
                                         ? &flags.reflect_headers
                                         : nullptr;
    double* number = name == "max-time"          ? &flags.max_time
                     : name == "connect-timeout" ? &flags.connect_timeout
                                                 : nullptr;
    if (text == nullptr && list == nullptr && number == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag provided but not defined: -", name));
    }
    if (!has_value) {
      if (++i == argv.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag needs an argument: -", name));
      }
      value = argv[i];
    }
    if (text != nullptr) *text = std::string(value);
    if (list != nullptr) list->emplace_back(value);
    if (number != nullptr && !absl::SimpleAtod(value, number)) {
      return Invalid(value, name);
    }
  }
  flags.args.assign(argv.begin() + std::min(i, argv.size()), argv.end());
  return flags;
}

std::string GrpcurlUsage(const std::string& program) {
  return absl::StrCat(
      "Usage:\n\t", program, " [flags] [address] [list] [symbol]\n\n",
      "A grpcurl-compatible client (the subset of grpcurl 1.8.7 the README\n"
      "uses), discovering everything through server reflection. 'list'\n"
      "lists the services, 'list SERVICE' its methods; otherwise SYMBOL is\n"
      "a method, 'service/method' or 'service.method', called with -d.\n\n",
      "Available flags:\n"
      "  -H 'name: value'        header for the RPC and reflection (repeat)\n"
      "  -rpc-header 'n: v'      header for the RPC only\n"
      "  -reflect-header 'n: v'  header for reflection only\n"
      "  -d '<json>'             request data; '@' reads stdin\n"
      "  -emit-defaults          print fields that have their zero value\n"
      "  -max-time SECONDS       deadline of the whole operation\n"
      "  -connect-timeout SECS   how long to wait for the connection (10)\n"
      "  -plaintext              no TLS\n");
}

}  // namespace helpdesk::readme
