#include "gateway/http_server.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "gateway/client_address.h"
#include "gateway/http_connection.h"
#include "gateway/http_message.h"
#include "libs/log/log.h"

namespace helpdesk::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr absl::Duration kRefusalLogInterval = absl::Seconds(10);

}  // namespace

struct HttpServer::State {
  std::shared_ptr<ConnectionRegistry> registry;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
      guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;
  size_t next_context = 0;
  std::atomic<bool> accepting_stopped{false};
  std::atomic<bool> stopped{false};
  // Refused connections since the last log line (only the acceptor's
  // handler, on one thread, touches these).
  int64_t refused_since_log = 0;
  absl::Time last_refusal_log = absl::InfinitePast();

  // Logs a connection refused because "server" or "client" is at its
  // limit, at most one line per kRefusalLogInterval (a flood is many).
  void NoteRefusal(absl::string_view limit, const std::string& client) {
    ++refused_since_log;
    const absl::Time now = absl::Now();
    if (now - last_refusal_log < kRefusalLogInterval) return;
    LogWarning("http_connections_refused",
               {{"limit", std::string(limit)},
                {"client", client},
                {"refused", absl::StrCat(refused_since_log)}});
    refused_since_log = 0;
    last_refusal_log = now;
  }

  void Accept() {
    asio::any_io_executor executor =
        contexts[next_context++ % contexts.size()]->get_executor();
    acceptor->async_accept(
        executor, [this](beast::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
            return;
          }
          if (ec) {
            // Out of descriptors, usually: back off instead of spinning.
            LogWarning("http_accept_failed", {{"error", ec.message()}});
            accept_retry->expires_after(std::chrono::milliseconds(50));
            accept_retry->async_wait([this](beast::error_code wait_ec) {
              if (!wait_ec) Accept();
            });
            return;
          }
          const tcp::endpoint peer = socket.remote_endpoint(ec);
          const std::string client =
              ec ? "" : ConnectionLimitKey(PeerAddress(peer.address()));
          // Null: admitted; "": closed without a log line (draining, or the
          // peer already left); else the limit that refused it.
          const char* refused =
              (ec || registry->draining.load()) ? "" : registry->Admit(client);
          if (refused != nullptr) {
            // At once, without reading or answering: under a flood an
            // answer would cost what the limit saves.
            beast::error_code ignored;
            socket.close(ignored);
            if (*refused != '\0') NoteRefusal(refused, client);
          } else {
            socket.set_option(tcp::no_delay(true), ec);
            auto connection = std::make_shared<Connection>(std::move(socket),
                                                           registry, client);
            asio::dispatch(connection->executor(),
                           [connection] { connection->Start(); });
          }
          Accept();
        });
  }
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, HttpHandler* handler) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto state = std::make_shared<State>();
  state->registry = std::make_shared<ConnectionRegistry>();
  state->registry->options = options;
  state->registry->handler = handler;
  const int threads = std::max(1, options.io_threads);
  for (int i = 0; i < threads; ++i) {
    state->contexts.push_back(std::make_unique<asio::io_context>(1));
    state->guards.push_back(asio::make_work_guard(*state->contexts.back()));
  }

  beast::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid bind address ", options.bind_address));
  }
  state->acceptor = std::make_unique<tcp::acceptor>(*state->contexts[0]);
  state->accept_retry =
      std::make_unique<asio::steady_timer>(*state->contexts[0]);
  const tcp::endpoint endpoint(address,
                               static_cast<unsigned short>(options.port));
  state->acceptor->open(endpoint.protocol(), ec);
  if (!ec) state->acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state->acceptor->bind(endpoint, ec);
  if (!ec)
    state->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.bind_address, ":",
                     options.port, ": ", ec.message()));
  }
  server->port_ = state->acceptor->local_endpoint().port();
  state->Accept();
  for (auto& context : state->contexts) {
    server->threads_.emplace_back(
        [context = context.get()] { context->run(); });
  }
  server->state_ = std::move(state);
  LogInfo("http_server_started",
          {{"address", absl::StrCat(options.bind_address, ":", server->port_)},
           {"io_threads", absl::StrCat(threads)}});
  return server;
}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::open_connections() const {
  absl::MutexLock lock(&state_->registry->mu);
  return static_cast<int>(state_->registry->open.size());
}

void HttpServer::StopAccepting() {
  if (state_->accepting_stopped.exchange(true)) return;
  state_->registry->draining.store(true);
  State* state = state_.get();
  asio::post(*state->contexts[0], [state] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
    state->accept_retry->cancel();
  });
  for (auto& connection : state_->registry->Snapshot()) {
    asio::post(connection->executor(), [connection] { connection->OnDrain(); });
  }
}

bool HttpServer::WaitForConnections(absl::Time deadline) {
  ConnectionRegistry* registry = state_->registry.get();
  absl::MutexLock lock(&registry->mu);
  return registry->mu.AwaitWithDeadline(
      absl::Condition(
          +[](ConnectionRegistry* s) { return s->open.empty(); }, registry),
      deadline);
}

void HttpServer::Stop() {
  if (state_ == nullptr || state_->stopped.exchange(true)) return;
  StopAccepting();
  for (auto& connection : state_->registry->Snapshot()) {
    asio::post(connection->executor(), [connection] { connection->Close(); });
  }
  WaitForConnections(absl::Now() + absl::Seconds(1));
  for (auto& guard : state_->guards) guard.reset();
  for (auto& context : state_->contexts) context->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // Handlers still queued (and the connections they hold) go with the
  // acceptor and the contexts, in that order.
  state_->accept_retry.reset();
  state_->acceptor.reset();
  state_->contexts.clear();
}

}  // namespace helpdesk::gateway
