#ifndef HELPDESK_TOOLS_PERF_OR_EXIT_H_
#define HELPDESK_TOOLS_PERF_OR_EXIT_H_

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::perf {

// A benchmark that cannot set up has nothing to measure: these print what
// failed and end the process.

inline void Fail(const std::string& what) {
  std::cerr << "bench: " << what << "\n";
  std::exit(1);
}

template <typename T>
T OrFail(absl::StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Fail(absl::StrCat(what, ": ", value.status().ToString()));
  return *std::move(value);
}

inline void OrFail(const absl::Status& status, const std::string& what) {
  if (!status.ok()) Fail(absl::StrCat(what, ": ", status.ToString()));
}

inline void OrFail(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) Fail(absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_OR_EXIT_H_
