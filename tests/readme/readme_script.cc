#include "tests/readme/readme_script.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::readme {
namespace {

constexpr char kCurlHttpCode[] = "-w '%{stderr}\\n@@http %{http_code}\\n'";

std::string Marker(absl::string_view id) {
  return absl::StrCat("\n@@@ ", id, "\n");
}

// The name NAME of a "NAME=value" line, or "".
std::string AssignedVariable(absl::string_view line) {
  size_t i = 0;
  while (i < line.size() && (absl::ascii_isalnum(line[i]) || line[i] == '_')) {
    ++i;
  }
  if (i == 0 || i == line.size() || line[i] != '=' ||
      absl::ascii_isdigit(line[0])) {
    return "";
  }
  return std::string(line.substr(0, i));
}

std::string Script(const std::vector<Command>& commands) {
  std::string script;
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string marker = absl::StrCat(i);
    absl::StrAppend(&script, "printf '", absl::CEscape(Marker(marker)),
                    "'; printf '", absl::CEscape(Marker(marker)), "' >&2\n",
                    "__rc=0\n{ ", commands[i].run, "\n} || __rc=$?\n",
                    "printf '\\n@@rc %d\\n' \"$__rc\" >&2\n");
    if (const std::string name = AssignedVariable(commands[i].line);
        !name.empty()) {
      absl::StrAppend(&script, "printf '\\n@@var %s\\n' \"${", name,
                      "-}\" >&2\n");
    }
    if (!commands[i].ok_exit_statuses.empty()) {
      absl::StrAppend(&script, "case \" ",
                      absl::StrJoin(commands[i].ok_exit_statuses, " "),
                      " \" in *\" $__rc \"*) ;; *) exit \"$__rc\" ;; esac\n");
    }
  }
  absl::StrAppend(&script, "printf '", absl::CEscape(Marker("end")), "'\n");
  return script;
}

// The text after `Marker(id)`, up to the next marker.
std::optional<std::string> Section(const std::string& text,
                                   absl::string_view id) {
  const std::string marker = Marker(id);
  size_t start = text.find(marker);
  if (start == std::string::npos) return std::nullopt;
  start += marker.size();
  size_t end = text.find("\n@@@ ", start);
  if (end == std::string::npos) end = text.size();
  return text.substr(start, end - start);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

absl::StatusOr<int> RunBash(const std::string& script_path,
                            const ShellEnvironment& environment,
                            const std::string& out, const std::string& err) {
  std::vector<std::string> env = {
      absl::StrCat("PATH=", environment.path_prefix, ":/usr/bin:/bin"),
      absl::StrCat("HOME=", environment.work_dir), "LC_ALL=C.UTF-8"};
  for (const auto& [name, value] : environment.env) {
    env.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string bash = "/bin/bash", flags = "-euo", pipefail = "pipefail",
              path = script_path;
  char* argv[] = {bash.data(), flags.data(), pipefail.data(), path.data(),
                  nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, environment.work_dir.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a timeout ends the commands it started too.
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, argv[0], &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return absl::InternalError("cannot start /bin/bash");

  int status = 0;
  if (!helpdesk::testing::WaitFor(
          [&] { return waitpid(pid, &status, WNOHANG) != 0; },
          environment.timeout, absl::Milliseconds(10))) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    return absl::DeadlineExceededError(
        absl::StrCat("the commands ran longer than ",
                     absl::FormatDuration(environment.timeout)));
  }
  kill(-pid, SIGKILL);  // whatever a command left running in the background
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ShellBlocks(
    absl::string_view markdown, absl::string_view heading) {
  std::vector<std::string> blocks;
  bool in_section = false, in_block = false;
  std::string block;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (in_block) {
      if (absl::StripTrailingAsciiWhitespace(line) == "```") {
        blocks.push_back(block);
        in_block = false;
      } else {
        absl::StrAppend(&block, line, "\n");
      }
      continue;
    }
    if (absl::StartsWith(line, "## ")) {
      in_section =
          absl::StripTrailingAsciiWhitespace(line.substr(3)) == heading;
      continue;
    }
    if (in_section && absl::StripTrailingAsciiWhitespace(line) == "```sh") {
      in_block = true;
      block.clear();
    }
  }
  if (blocks.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no ```sh block under \"## ", heading, "\""));
  }
  return blocks;
}

std::vector<std::string> CommandLines(absl::string_view block) {
  std::vector<std::string> commands;
  std::string current;
  for (absl::string_view line : absl::StrSplit(block, '\n')) {
    if (absl::ConsumeSuffix(&line, "\\")) {
      absl::StrAppend(&current, line);
      continue;
    }
    absl::StrAppend(&current, line);
    absl::string_view text = absl::StripAsciiWhitespace(current);
    if (!text.empty() && text[0] != '#') commands.emplace_back(text);
    current.clear();
  }
  return commands;
}

absl::StatusOr<std::vector<CommandResult>> RunCommands(
    const std::vector<Command>& commands, const ShellEnvironment& environment) {
  const std::string script_path = environment.work_dir + "/readme_block.sh";
  const std::string out_path = environment.work_dir + "/readme_block.out";
  const std::string err_path = environment.work_dir + "/readme_block.err";
  std::ofstream(script_path) << Script(commands);
  absl::StatusOr<int> exit_status =
      RunBash(script_path, environment, out_path, err_path);
  if (!exit_status.ok()) return exit_status.status();
  const std::string out = ReadFile(out_path), err = ReadFile(err_path);

  std::vector<CommandResult> results;
  for (size_t i = 0; i < commands.size(); ++i) {
    CommandResult& result = results.emplace_back();
    result.line = commands[i].line;
    const std::optional<std::string> command_out =
        Section(out, absl::StrCat(i));
    const std::optional<std::string> command_err =
        Section(err, absl::StrCat(i));
    if (!command_out.has_value() || !command_err.has_value()) continue;
    result.ran = true;
    result.out = *command_out;
    std::vector<absl::string_view> err_lines;
    for (absl::string_view line : absl::StrSplit(*command_err, '\n')) {
      int number = 0;
      if (absl::ConsumePrefix(&line, "@@rc ")) {
        if (absl::SimpleAtoi(line, &number)) result.exit_status = number;
      } else if (absl::ConsumePrefix(&line, "@@var ")) {
        result.variable = std::string(line);
      } else if (absl::ConsumePrefix(&line, "@@http ")) {
        if (absl::SimpleAtoi(line, &number))
          result.http_codes.push_back(number);
      } else {
        err_lines.push_back(line);
      }
    }
    result.err =
        std::string(absl::StripAsciiWhitespace(absl::StrJoin(err_lines, "\n")));
  }
  return results;
}

std::string WithOption(absl::string_view line, absl::string_view program,
                       absl::string_view option) {
  const std::string word = absl::StrCat(program, " ");
  std::string result;
  size_t pos = 0;
  while (true) {
    const size_t found = line.find(word, pos);
    if (found == line.npos) break;
    const bool starts_word = found == 0 ||
                             absl::ascii_isspace(line[found - 1]) ||
                             line[found - 1] == '(' || line[found - 1] == '|' ||
                             line[found - 1] == ';';
    const size_t after = found + word.size();
    absl::StrAppend(&result, line.substr(pos, after - pos));
    if (starts_word) absl::StrAppend(&result, option, " ");
    pos = after;
  }
  absl::StrAppend(&result, line.substr(pos));
  return result;
}

std::string WithCurlHttpCodes(absl::string_view line) {
  return WithOption(line, "curl", kCurlHttpCode);
}

}  // namespace helpdesk::readme
