// Runs a README's shell code blocks as they are written, command by command,
// for readme_commands_test.cc.
#ifndef HELPDESK_TESTS_README_README_SCRIPT_H_
#define HELPDESK_TESTS_README_README_SCRIPT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::readme {

// The bodies of the ```sh code blocks in the Markdown section headed
// "## <heading>" (up to the next "## " heading). NOT_FOUND without such a
// section or without blocks in it.
absl::StatusOr<std::vector<std::string>> ShellBlocks(absl::string_view markdown,
                                                     absl::string_view heading);

// The command lines of a block: lines continued with a trailing backslash
// joined into one, blank and comment-only lines dropped.
std::vector<std::string> CommandLines(absl::string_view block);

// One command to run: `line` as the README has it, `run` what the shell
// runs (the same line with test ports, or with a time limit for a stream),
// and the exit statuses that let the block go on (empty: any status).
struct Command {
  std::string line;
  std::string run;
  std::vector<int> ok_exit_statuses = {0};
};

// What one command did. `ran` is false for commands after the one that
// stopped the block.
struct CommandResult {
  std::string line;
  bool ran = false;
  int exit_status = -1;
  std::string out;  // its stdout
  std::string err;  // its stderr, without the script's markers
  // For "NAME=..." lines: the variable's value afterwards.
  std::optional<std::string> variable;
  // One per curl transfer in the line (injected `-w '%{stderr}...'`).
  std::vector<int> http_codes;
};

// How to run the blocks: the working directory (cookie jars land there),
// a directory put first on PATH, extra environment variables.
struct ShellEnvironment {
  std::string work_dir;
  std::string path_prefix;
  std::map<std::string, std::string> env;
  absl::Duration timeout = absl::Seconds(120);
};

// Runs `commands` as one `bash -euo pipefail` script (so variables carry
// from line to line, and the first failing command ends it), recording each
// command's exit status, stdout, stderr, variable and HTTP codes. Besides
// ok_exit_statuses the script behaves as the block would. Fails only if
// bash cannot be run or exceeds the timeout.
absl::StatusOr<std::vector<CommandResult>> RunCommands(
    const std::vector<Command>& commands, const ShellEnvironment& environment);

// `line` with `-w` added to every curl call so that its HTTP status goes to
// stderr, where RunCommands reads it into http_codes (stdout is untouched,
// so `$(curl ... | jq ...)` still works).
std::string WithCurlHttpCodes(absl::string_view line);

// `line` with `option` inserted after each call of `program` (a word at the
// start of the line or after "(", "|", ";" or whitespace).
std::string WithOption(absl::string_view line, absl::string_view program,
                       absl::string_view option);

}  // namespace helpdesk::readme

#endif  // HELPDESK_TESTS_README_README_SCRIPT_H_
