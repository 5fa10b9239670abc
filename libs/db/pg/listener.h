#ifndef HELPDESK_LIBS_DB_PG_LISTENER_H_
#define HELPDESK_LIBS_DB_PG_LISTENER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct pg_conn;

namespace helpdesk::db::pg {

struct ListenerOptions {
  // A libpq connection string or URI (as PoolOptions::conninfo).
  std::string conninfo;
  // The channel to LISTEN on, as NOTIFY and pg_notify() name it (case
  // matters; at most 63 bytes, no double quotes).
  std::string channel;
  // Called on the listener's thread with the payload of each notification
  // on the channel.
  std::function<void(absl::string_view payload)> on_notify;
  // Called on the listener's thread each time LISTEN took effect: at the
  // start and after every reconnection. Notifications sent while the
  // listener was not connected are lost, so whoever relies on them should
  // look for what they would have announced.
  std::function<void()> on_listening;
  // Pause before reconnecting after a failure; doubles up to
  // max_retry_delay while the server stays away.
  absl::Duration retry_delay = absl::Milliseconds(100);
  absl::Duration max_retry_delay = absl::Seconds(5);
  // A connection attempt that takes longer fails (and is retried).
  absl::Duration connect_timeout = absl::Seconds(10);
};

// LISTEN on one channel over a libpq connection of its own, on a thread of
// its own: the thread waits in poll() on the connection's socket (and on an
// eventfd that wakes it to stop), reads what arrived with PQconsumeInput and
// hands each PQnotifies() entry to on_notify. When the connection breaks
// (the server restarted, a failover, a network cut) it reconnects with
// backoff and LISTENs again, calling on_listening. Connecting is
// asynchronous (PQconnectStartParams), so the destructor never waits for an
// unreachable server. The callbacks must be quick and must not destroy the
// listener. Thread-safe.
class Listener final {
 public:
  // Starts the thread; the first connection is made on it (so Start does
  // not fail when the server is down: it keeps trying). INVALID_ARGUMENT
  // for a channel name that cannot be quoted.
  static absl::StatusOr<std::unique_ptr<Listener>> Start(
      ListenerOptions options);
  // Stops and joins the thread; no callback runs after it returns.
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // How many times LISTEN took effect so far (tests, metrics).
  int64_t listens() const { return listens_.load(); }
  // Notifications received so far.
  int64_t notifications() const { return notifications_.load(); }

 private:
  Listener(ListenerOptions options, int wake_fd);

  void Run();
  // Connects and LISTENs; null (after logging) on failure or stop.
  pg_conn* Connect();
  // Reads notifications until the connection breaks (false) or the
  // listener stops (true).
  bool Receive(pg_conn* connection);
  // Waits up to `timeout` for `fd` to be readable (or writable), or for the
  // stop signal: 1 ready, 0 timed out, -1 stopping or an error.
  int Wait(int fd, bool for_write, absl::Duration timeout);
  bool stopping() const { return stopping_.load(); }

  const ListenerOptions options_;
  const int wake_fd_;  // an eventfd: written once to stop
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> listens_{0};
  std::atomic<int64_t> notifications_{0};
  std::thread thread_;
};

}  // namespace helpdesk::db::pg

#endif  // HELPDESK_LIBS_DB_PG_LISTENER_H_
