#ifndef HELPDESK_TOOLS_PERF_DAEMON_H_
#define HELPDESK_TOOLS_PERF_DAEMON_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/db/store.h"
#include "libs/testing/subprocess.h"

namespace helpdesk::perf {

// One helpdeskd process (the binary --helpdeskd names) on a dataset's
// storage (a data directory, or a PostgreSQL database), on free ports, with
// rate limits off, no demo seeding and no periodic escalation sweep;
// `extra_flags` are added. Construction waits until it is
// ready (and exits the process if it does not start); destruction stops it
// with SIGTERM. Not thread-safe.
class Daemon {
 public:
  Daemon(const std::string& helpdeskd, const db::Storage& storage,
         std::vector<std::string> extra_flags);
  ~Daemon();

  const std::string& target() const { return target_; }  // host:port, gRPC
  const std::string& http_base() const { return http_base_; }
  // From spawning the process to both ports announced (it serves then).
  absl::Duration startup() const { return startup_; }
  absl::Time spawned_at() const { return spawned_at_; }
  int64_t rss_kib() const;

  // `count` channels that share no connection, as separate clients.
  std::vector<std::shared_ptr<grpc::Channel>> Channels(int count) const;

  // Waits until the services' outboxes are empty (audit events of the
  // writes just measured delivered), so that the next row does not share
  // the cores with that delivery; returns how long it took.
  absl::Duration WaitUntilOutboxesDrain() const;

 private:
  const db::Storage storage_;
  std::unique_ptr<testing::Subprocess> process_;
  std::string target_;
  std::string http_base_;
  absl::Duration startup_;
  absl::Time spawned_at_;
};

// Resident memory of a process (VmRSS), in KiB; 0 if unknown.
int64_t RssKiB(pid_t pid);

// A session token for a generated account (password kPassword).
std::string Login(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& email);

// Adds the bearer token and a 30 s deadline to a call.
void Authorize(grpc::ClientContext& context, const std::string& token);

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_DAEMON_H_
