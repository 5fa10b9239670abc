#ifndef HELPDESK_LIBS_TESTING_SUBPROCESS_H_
#define HELPDESK_LIBS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::testing {

// The path of a file in the test's runfiles, e.g.
// RunfilePath("services/helpdeskd/helpdeskd").
std::string RunfilePath(absl::string_view workspace_relative_path);

// A child process for end-to-end tests of our real binaries. Its stdout is a
// pipe read line by line (where binaries announce `grpc_port=N`); its stderr
// goes to the test log. The destructor kills (SIGKILL) and reaps a child
// still running. Not thread-safe.
class Subprocess final {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv);

  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads stdout until a line starting with `prefix` and returns the rest of
  // that line. DEADLINE_EXCEEDED after `timeout`; NOT_FOUND if stdout closes.
  absl::StatusOr<std::string> WaitForLine(absl::string_view prefix,
                                          absl::Duration timeout);

  void Signal(int signal);

  // Waits for the child to exit; returns its exit code, or minus the signal
  // that ended it (again, at once, when it has been reaped).
  // DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  bool reaped_ = false;
  int exit_code_ = 0;  // once reaped
  std::string buffer_;
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_SUBPROCESS_H_
