#include "libs/db/pg/listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/log/log.h"

namespace helpdesk::db::pg {
namespace {

// libpq's error text without its trailing newline (never a password).
std::string ErrorOf(pg_conn* connection) {
  std::string text = connection != nullptr ? PQerrorMessage(connection) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text.empty() ? "no memory" : text;
}

// A quiet callback for the server's NOTICEs (libpq prints them otherwise).
void IgnoreNotice(void*, const char*) {}

}  // namespace

absl::StatusOr<std::unique_ptr<Listener>> Listener::Start(
    ListenerOptions options) {
  const std::string& channel = options.channel;
  if (channel.empty() || channel.size() > 63 ||
      channel.find('"') != std::string::npos ||
      channel.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("invalid LISTEN channel name");
  }
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return absl::InternalError("eventfd failed");
  std::unique_ptr<Listener> listener(new Listener(std::move(options), wake_fd));
  Listener* raw = listener.get();
  listener->thread_ = std::thread([raw] { raw->Run(); });
  return listener;
}

Listener::Listener(ListenerOptions options, int wake_fd)
    : options_(std::move(options)), wake_fd_(wake_fd) {}

Listener::~Listener() {
  stopping_.store(true);
  const uint64_t one = 1;
  // Nonblocking; an eventfd counter cannot overflow from one write.
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
}

int Listener::Wait(int fd, bool for_write, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (stopping()) return -1;
    pollfd fds[2] = {
        {fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0},
        {wake_fd_, POLLIN, 0},
    };
    int millis = -1;
    if (timeout != absl::InfiniteDuration()) {
      const absl::Duration left = deadline - absl::Now();
      millis = static_cast<int>(std::clamp<int64_t>(
          absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), 0,
          60'000));
    }
    // A negative fd (only waiting to stop, or a broken connection) is
    // ignored by poll().
    const int ready = poll(fds, 2, millis);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (fds[1].revents != 0 || stopping()) return -1;
    if (ready > 0 && fds[0].revents != 0) return 1;
    if (timeout != absl::InfiniteDuration() && absl::Now() >= deadline) {
      return 0;
    }
  }
}

pg_conn* Listener::Connect() {
  // TCP keepalives notice a server that vanished without closing the
  // connection; keywords before dbname, so that the conninfo overrides
  // them.
  const char* keywords[] = {"keepalives_idle", "keepalives_interval",
                            "keepalives_count", "dbname", nullptr};
  const char* values[] = {"30", "10", "3", options_.conninfo.c_str(), nullptr};
  pg_conn* connection = PQconnectStartParams(keywords, values,
                                             /*expand_dbname=*/1);
  auto fail = [&](absl::string_view why) -> pg_conn* {
    LogWarning(
        "postgres_listener_connect_failed",
        {{"channel", options_.channel},
         {"error", why.empty() ? ErrorOf(connection) : std::string(why)}});
    if (connection != nullptr) PQfinish(connection);
    return nullptr;
  };
  if (connection == nullptr || PQstatus(connection) == CONNECTION_BAD) {
    return fail("");
  }
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) return fail("");
    const int ready = Wait(PQsocket(connection), state == PGRES_POLLING_WRITING,
                           deadline - absl::Now());
    if (ready < 0) {
      if (stopping()) {
        PQfinish(connection);
        return nullptr;
      }
      return fail("");
    }
    if (ready == 0) return fail("timed out");
    state = PQconnectPoll(connection);
  }
  PQsetNoticeProcessor(connection, IgnoreNotice, nullptr);
  PGresult* result = PQexec(
      connection, absl::StrCat("SET client_min_messages = warning; LISTEN \"",
                               options_.channel, "\"")
                      .c_str());
  const bool listening =
      result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!listening) return fail("");
  return connection;
}

bool Listener::Receive(pg_conn* connection) {
  while (true) {
    if (PQsocket(connection) < 0) return stopping();
    while (PGnotify* notify = PQnotifies(connection)) {
      ++notifications_;
      if (options_.on_notify) options_.on_notify(notify->extra);
      PQfreemem(notify);
    }
    const int ready =
        Wait(PQsocket(connection), false, absl::InfiniteDuration());
    if (stopping()) return true;
    if (ready < 0 || PQconsumeInput(connection) == 0 ||
        PQstatus(connection) == CONNECTION_BAD) {
      LogWarning(
          "postgres_listener_disconnected",
          {{"channel", options_.channel}, {"error", ErrorOf(connection)}});
      return false;
    }
  }
}

void Listener::Run() {
  absl::Duration delay = options_.retry_delay;
  while (!stopping()) {
    if (pg_conn* connection = Connect()) {
      ++listens_;
      delay = options_.retry_delay;
      if (options_.on_listening) options_.on_listening();
      const bool stop = Receive(connection);
      PQfinish(connection);
      if (stop) return;
    }
    // A server that is restarting refuses connections for a while.
    Wait(-1, false, delay);
    delay = std::min(delay * 2, options_.max_retry_delay);
  }
}

}  // namespace helpdesk::db::pg
