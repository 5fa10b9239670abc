#include "libs/testing/postgres_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace helpdesk::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
// The server's socket path, <dir>/.s.PGSQL.<port>, must fit in sun_path
// (107 bytes), which Bazel's TEST_TMPDIR does not always leave room for;
// and under root the `postgres` user must reach the directory, which it
// cannot under /root/.cache. Hence /tmp.
constexpr char kDirPattern[] = "/tmp/pg-XXXXXX";
constexpr absl::Duration kToolTimeout = absl::Seconds(120);
constexpr absl::Duration kReadyTimeout = absl::Seconds(60);
constexpr absl::Duration kStopTimeout = absl::Seconds(30);

// Who the PostgreSQL processes run as: the current user, or (when that is
// root, which PostgreSQL refuses) the `postgres` system user.
struct Identity {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

absl::StatusOr<Identity> ServerIdentity() {
  if (geteuid() != 0) return Identity{};
  struct passwd* entry = getpwnam("postgres");
  if (entry == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, and there is no `postgres` user to run PostgreSQL "
        "as (run tools/bootstrap)");
  }
  return Identity{
      .switch_user = true, .uid = entry->pw_uid, .gid = entry->pw_gid};
}

std::string Tool(absl::string_view name) {
  return absl::StrCat(kBinDir, "/", name);
}

// A child process running `argv` (argv[0] an absolute path) as `identity`
// in `cwd`, its stdout and stderr on `output_fd` and stdin on /dev/null.
// With `tie_to_parent` it gets SIGQUIT when the calling thread exits. Only
// async-signal-safe calls between fork and exec: the test may be
// multi-threaded.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const Identity& identity, const std::string& cwd,
                            int output_fd, bool tie_to_parent) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  // The caller's PG* variables (PGHOST, PGDATA, ...) must not reach the
  // tools.
  std::vector<char*> env;
  for (char** var = environ; *var != nullptr; ++var) {
    if (!absl::StartsWith(*var, "PG")) env.push_back(*var);
  }
  env.push_back(nullptr);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return absl::InternalError("cannot open /dev/null");
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(null_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    auto fail = [&](const char* what) {
      const char* error = strerrordesc_np(errno);
      (void)!write(output_fd, what, std::strlen(what));
      (void)!write(output_fd, ": ", 2);
      (void)!write(output_fd, error, std::strlen(error));
      (void)!write(output_fd, "\n", 1);
      _exit(127);
    };
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(output_fd, STDOUT_FILENO) < 0 ||
        dup2(output_fd, STDERR_FILENO) < 0) {
      fail("dup2");
    }
    close_range(3, ~0U, 0);
    output_fd = STDERR_FILENO;
    if (identity.switch_user) {
      if (setgroups(1, &identity.gid) != 0) fail("setgroups");
      if (setgid(identity.gid) != 0) fail("setgid");
      if (setuid(identity.uid) != 0) fail("setuid");
    }
    if (chdir(cwd.c_str()) != 0) fail("chdir");
    // After setuid, which clears it.
    if (tie_to_parent) {
      if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0) fail("prctl");
      if (getppid() != parent) _exit(1);
    }
    execve(args[0], args.data(), env.data());
    fail(args[0]);
    _exit(127);
  }
  close(null_fd);
  return pid;
}

// Runs a tool to completion; its output, or an error that includes it.
absl::StatusOr<std::string> Run(const std::vector<std::string>& argv,
                                const Identity& identity,
                                const std::string& cwd) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  absl::StatusOr<pid_t> pid =
      Spawn(argv, identity, cwd, pipe_fds[1], /*tie_to_parent=*/false);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    return pid.status();
  }
  std::string output;
  const absl::Time deadline = absl::Now() + kToolTimeout;
  bool timed_out = false;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      kill(*pid, SIGKILL);
      break;
    }
    pollfd fd = {pipe_fds[0], POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <=
        0) {
      continue;
    }
    char chunk[4096];
    const ssize_t n = read(pipe_fds[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(chunk, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string command = absl::StrJoin(argv, " ");
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(command, " did not finish in ",
                     absl::FormatDuration(kToolTimeout), ":\n", output));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        command, " failed (",
        WIFEXITED(status) ? absl::StrCat("exit code ", WEXITSTATUS(status))
                          : absl::StrCat("signal ", WTERMSIG(status)),
        "):\n", output));
  }
  return output;
}

// %-escapes all but unreserved characters (and '/', if `keep_slash`).
std::string UriEscape(absl::string_view text, bool keep_slash) {
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                       c == '_' || c == '~' || (keep_slash && c == '/');
    if (plain) {
      out.push_back(c);
    } else {
      absl::StrAppend(
          &out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

PostgresCluster::PostgresCluster(std::string dir, int port)
    : dir_(std::move(dir)),
      data_dir_(dir_ + "/data"),
      log_file_(dir_ + "/server.log"),
      port_(port) {}

absl::StatusOr<std::unique_ptr<PostgresCluster>> PostgresCluster::Start() {
  for (const char* tool : {"initdb", "postgres"}) {
    if (access(Tool(tool).c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(Tool(tool),
                       " not found: install postgresql-15 (run "
                       "tools/bootstrap)"));
    }
  }
  absl::StatusOr<Identity> identity = ServerIdentity();
  if (!identity.ok()) return identity.status();

  std::string dir = kDirPattern;
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", kDirPattern, ": ", std::strerror(errno)));
  }
  // The socket's name only; the directory is ours alone, so any port does.
  std::random_device random;
  const int port = std::uniform_int_distribution<int>(20000, 59999)(random);
  // From here on the destructor cleans up.
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster(dir, port));
  if (identity->switch_user &&
      chown(dir.c_str(), identity->uid, identity->gid) != 0) {
    return absl::InternalError(
        absl::StrCat("chown ", dir, " to postgres: ", std::strerror(errno)));
  }

  absl::StatusOr<std::string> initdb =
      Run({Tool("initdb"), "--pgdata=" + cluster->data_dir_,
           absl::StrCat("--username=", kUser), "--auth=trust", "--no-sync",
           "--encoding=UTF8", "--locale=C", "--no-instructions"},
          *identity, dir);
  if (!initdb.ok()) return initdb.status();

  if (absl::Status started = cluster->StartServer(); !started.ok()) {
    return started;
  }
  if (absl::Status created = cluster->CreateDatabase(kDatabase);
      !created.ok()) {
    return created;
  }
  return cluster;
}

PostgresCluster::~PostgresCluster() {
  // Best effort: StopServer ends with SIGKILL if need be.
  (void)StopServer(SIGQUIT);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresCluster::ConnectionUri(absl::string_view database) const {
  return absl::StrCat("postgresql:///", UriEscape(database, false),
                      "?host=", UriEscape(dir_, true), "&port=", port_,
                      "&user=", kUser);
}

absl::Status PostgresCluster::CreateDatabase(absl::string_view name) {
  PGconn* conn = PQconnectdb(ConnectionUri("postgres").c_str());
  absl::Cleanup finish = [conn] { PQfinish(conn); };
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ",
                                               ConnectionUri("postgres"), ": ",
                                               PQerrorMessage(conn)));
  }
  char* quoted = PQescapeIdentifier(conn, name.data(), name.size());
  if (quoted == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad database name '", name, "': ", PQerrorMessage(conn)));
  }
  const std::string sql = absl::StrCat("CREATE DATABASE ", quoted);
  PQfreemem(quoted);
  PGresult* result = PQexec(conn, sql.c_str());
  absl::Cleanup clear = [result] { PQclear(result); };
  if (PQresultStatus(result) == PGRES_COMMAND_OK) return absl::OkStatus();
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string message =
      absl::StrCat(sql, ": ", PQresultErrorMessage(result));
  if (sqlstate != nullptr && std::strcmp(sqlstate, "42P04") == 0) {
    return absl::AlreadyExistsError(message);  // duplicate_database
  }
  return absl::InternalError(message);
}

absl::Status PostgresCluster::CheckIntegrity(absl::string_view database) const {
  absl::StatusOr<Identity> identity = ServerIdentity();
  if (!identity.ok()) return identity.status();
  return Run({Tool("pg_amcheck"), "--install-missing", "--heapallindexed", "-h",
              dir_, "-p", absl::StrCat(port_), "-U", kUser,
              std::string(database)},
             *identity, dir_)
      .status();
}

absl::Status PostgresCluster::Restart() {
  if (absl::Status stopped = StopServer(SIGINT); !stopped.ok()) {
    return stopped;
  }
  return StartServer();
}

absl::Status PostgresCluster::StartServer() {
  if (pid_ != 0) return absl::FailedPreconditionError("already running");
  absl::StatusOr<Identity> identity = ServerIdentity();
  if (!identity.ok()) return identity.status();
  const int log_fd =
      open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", log_file_, ": ", std::strerror(errno)));
  }
  // Unix socket only; no durability (a test's data need not survive a
  // machine crash, and fsync is most of a test's database time).
  absl::StatusOr<pid_t> pid =
      Spawn({Tool("postgres"), "-D", data_dir_, "-k", dir_, "-p",
             absl::StrCat(port_), "-c", "listen_addresses=", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"},
            *identity, dir_, log_fd, /*tie_to_parent=*/true);
  close(log_fd);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;

  const std::string uri = ConnectionUri("postgres");
  const absl::Time deadline = absl::Now() + kReadyTimeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return absl::InternalError(absl::StrCat(
          "postgres exited (",
          WIFEXITED(status) ? absl::StrCat("exit code ", WEXITSTATUS(status))
                            : absl::StrCat("signal ", WTERMSIG(status)),
          ") before accepting connections; its log:\n", ServerLog()));
    }
    const PGPing ping = PQping(uri.c_str());
    if (ping == PQPING_OK) return absl::OkStatus();
    if (ping == PQPING_NO_ATTEMPT) {
      (void)StopServer(SIGQUIT);
      return absl::InternalError(absl::StrCat("bad connection URI ", uri));
    }
    if (absl::Now() >= deadline) {
      (void)StopServer(SIGQUIT);
      return absl::DeadlineExceededError(absl::StrCat(
          "postgres did not accept connections in ",
          absl::FormatDuration(kReadyTimeout), "; its log:\n", ServerLog()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status PostgresCluster::StopServer(int signal) {
  if (pid_ == 0) return absl::OkStatus();
  const pid_t pid = std::exchange(pid_, 0);
  kill(pid, signal);
  const absl::Time deadline = absl::Now() + kStopTimeout;
  int status = 0;
  while (true) {
    const pid_t reaped = waitpid(pid, &status, WNOHANG);
    if (reaped == pid || (reaped < 0 && errno != EINTR)) break;
    if (absl::Now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::DeadlineExceededError(absl::StrCat(
          "postgres did not stop in ", absl::FormatDuration(kStopTimeout),
          " (killed); its log:\n", ServerLog()));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // An immediate shutdown exits non-zero by design.
    if (signal == SIGQUIT) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("postgres stopped abnormally; its log:\n", ServerLog()));
  }
  return absl::OkStatus();
}

std::string PostgresCluster::ServerLog() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  constexpr size_t kTail = 8000;
  if (log.size() > kTail) log = "...\n" + log.substr(log.size() - kTail);
  return log;
}

}  // namespace helpdesk::testing
