#ifndef HELPDESK_LIBS_TESTING_POSTGRES_CLUSTER_H_
#define HELPDESK_LIBS_TESTING_POSTGRES_CLUSTER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::testing {

// A private PostgreSQL 15 cluster (Debian's postgresql-15, binaries in
// /usr/lib/postgresql/15/bin) for one test binary: initdb into a fresh
// directory under /tmp, then a postmaster that listens on a Unix socket in
// that directory only (no TCP), with durability off (fsync,
// synchronous_commit, full_page_writes) since tests need no crash safety.
// The superuser is `postgres` with trust authentication; the database
// kDatabase exists from the start, and CreateDatabase makes one per test.
//
//   absl::StatusOr<std::unique_ptr<PostgresCluster>> cluster =
//       PostgresCluster::Start();
//   ASSERT_THAT(cluster, IsOk());
//   ASSERT_THAT((*cluster)->CreateDatabase("my_test"), IsOk());
//   PGconn* conn = PQconnectdb((*cluster)->ConnectionUri("my_test").c_str());
//
// PostgreSQL refuses to run as root: when the test runs as root (CI),
// initdb and the server run as the `postgres` system user (created by the
// Debian package), which owns the directory; the test process, being root,
// still reaches the socket. Otherwise they run as the current user.
//
// The postmaster is a direct child of the test process, in its process
// group, and gets SIGQUIT (immediate shutdown) if the thread that started
// it exits; so a crashed or killed test leaves no server behind. Start and
// Restart from a thread that outlives the cluster (the test's main thread).
// The destructor stops the server (immediate shutdown) and removes the
// directory. Not thread-safe; connections are the caller's.
class PostgresCluster final {
 public:
  // The database that Start creates.
  static constexpr char kDatabase[] = "helpdesk";
  // The superuser in ConnectionUri.
  static constexpr char kUser[] = "postgres";

  // Creates, starts and waits for the cluster (a second or two). Errors
  // carry the failing tool's output (initdb's, or the server log).
  static absl::StatusOr<std::unique_ptr<PostgresCluster>> Start();

  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // The directory of the server's socket, .s.PGSQL.<port>.
  const std::string& socket_dir() const { return dir_; }
  const std::string& data_dir() const { return data_dir_; }
  // Names the socket file only; nothing listens on TCP.
  int port() const { return port_; }

  // A libpq connection URI (PQconnectdb) for `database` as kUser, e.g.
  // postgresql:///helpdesk?host=/tmp/pg-AbC123&port=54321&user=postgres
  std::string ConnectionUri(absl::string_view database = kDatabase) const;

  // CREATE DATABASE `name` (any name; quoted as an identifier), e.g. one per
  // test for isolation. ALREADY_EXISTS if there is one.
  absl::Status CreateDatabase(absl::string_view name);

  // pg_amcheck on every table and index of `database` (heap pages, B-tree
  // structure, and every heap tuple found in its indexes): OK, or an error
  // with pg_amcheck's report of the corruption.
  absl::Status CheckIntegrity(absl::string_view database) const;

  // Stops the server (fast shutdown: open connections are cut) and starts
  // it again on the same data, socket and port; returns once it accepts
  // connections. For "reconnects after the server restarts" tests.
  absl::Status Restart();

  // The server's process id (the postmaster); 0 while stopped.
  pid_t pid() const { return pid_; }

 private:
  PostgresCluster(std::string dir, int port);

  absl::Status StartServer();
  // Signals the postmaster (SIGINT fast, SIGQUIT immediate) and reaps it.
  absl::Status StopServer(int signal);
  std::string ServerLog() const;

  std::string dir_;
  std::string data_dir_;
  std::string log_file_;
  int port_;
  pid_t pid_ = 0;
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_POSTGRES_CLUSTER_H_
