#ifndef HELPDESK_LIBS_TESTING_REPLICA_SET_H_
#define HELPDESK_LIBS_TESTING_REPLICA_SET_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace helpdesk::testing {

// What a ReplicaSet runs.
struct ReplicaSetOptions {
  // Processes per service and gateways (>= 1; more than one needs a
  // database_url).
  int replicas = 2;
  int gateways = 2;
  // Where the binaries are (services/auth/auth_server, ..., gateway/gateway
  // under it); empty: the test's runfiles.
  std::string bin_dir;
  // The one PostgreSQL database of every service (a schema each); empty:
  // SQLite files in the data directory (one replica only).
  std::string database_url;
  // Scratch directory: the service credential and each process's
  // --data_dir. Must exist.
  std::string work_dir;
  // Flags added to every process of a service ("auth", "audit", "ticket",
  // "notification", "jobs", "gateway").
  std::map<std::string, std::vector<std::string>> flags;
};

// The split binaries of Helpdesk as child processes on loopback: `replicas`
// processes of each of the five services and `gateways` gateways, every
// peer flag naming every replica (an `ipv4:` list, gRPC round robin), one
// shared service credential. Replica 0 of every service starts (and
// migrates the schemas) before the others. The destructor stops every
// process with SIGTERM. Not thread-safe.
class ReplicaSet final {
 public:
  static constexpr const char* kServices[] = {"auth", "audit", "ticket",
                                              "notification", "jobs"};

  static absl::StatusOr<std::unique_ptr<ReplicaSet>> Start(
      ReplicaSetOptions options);
  ~ReplicaSet();

  // Starts (or restarts) replica `index` of `name` ("gateway" included) and
  // waits until it serves.
  absl::Status StartReplica(const std::string& name, int index);
  // SIGKILL, then waits until the process is gone.
  absl::Status Kill(const std::string& name, int index);
  void Signal(const std::string& name, int index, int signal);

  // A service replica's gRPC port, or a gateway's HTTP port.
  int port(const std::string& name, int index) const;
  // The peer target naming every replica of a service.
  std::string Target(const std::string& service) const;
  const std::string& service_token() const { return service_token_; }
  const ReplicaSetOptions& options() const { return options_; }

 private:
  explicit ReplicaSet(ReplicaSetOptions options);
  std::string Binary(const std::string& name) const;

  const ReplicaSetOptions options_;
  std::string service_token_;
  std::string token_file_;
  std::map<std::string, std::vector<int>> ports_;
  std::map<std::string, std::vector<std::unique_ptr<Subprocess>>> processes_;
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_REPLICA_SET_H_
