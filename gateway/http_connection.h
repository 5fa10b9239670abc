#ifndef HELPDESK_GATEWAY_HTTP_CONNECTION_H_
#define HELPDESK_GATEWAY_HTTP_CONNECTION_H_

// Internal to http_server: one HTTP/1.1 connection on Boost.Beast.

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/http_message.h"
#include "gateway/http_server.h"

namespace helpdesk::gateway {

class Connection;

// The peer's address as text (IPv4-mapped IPv6 as IPv4).
std::string PeerAddress(const boost::asio::ip::address& peer);

// What every connection of one server shares: settings, the handler, and
// the register of open connections (for draining and stopping) with the
// slots they hold (for the connection limits).
struct ConnectionRegistry {
  HttpServerOptions options;
  HttpHandler* handler = nullptr;
  std::atomic<bool> draining{false};

  absl::Mutex mu;
  absl::flat_hash_map<Connection*, std::weak_ptr<Connection>> open
      ABSL_GUARDED_BY(mu);
  int admitted ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<std::string, int> per_client ABSL_GUARDED_BY(mu);

  // The connections open now.
  std::vector<std::shared_ptr<Connection>> Snapshot();

  // Takes a slot for a new connection of `client` (a ConnectionLimitKey,
  // client_address.h), unless the
  // server (max_connections) or that client (max_connections_per_client)
  // has none left: then "server" or "client", and nothing is taken.
  const char* Admit(const std::string& client);
  // Gives back a slot Admit took.
  void Release(const std::string& client) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// One client connection: reads requests one after another (keep-alive),
// hands each to the handler, writes its answer or stream. Every member is
// touched only on the connection's event loop (its socket's executor, one
// thread), so none needs a lock; other threads reach it through
// boost::asio::post (see the HttpExchange in http_connection.cc). Owned by
// the asynchronous operations in flight (shared_from_this).
class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  // `client`: the key whose slot (ConnectionRegistry::Admit) the connection
  // holds until it closes.
  Connection(boost::asio::ip::tcp::socket socket,
             std::shared_ptr<ConnectionRegistry> registry, std::string client);
  ~Connection();

  // Registers the connection and waits for its first request.
  void Start();

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

  // The server started draining: an idle connection closes now, a busy one
  // after its answer.
  void OnDrain();

  void WriteResponse(HttpResponse response);
  void BeginStream(HttpResponse head, std::string keepalive_chunk,
                   absl::Duration keepalive_interval,
                   std::function<void()> on_client_gone);
  void QueueChunk(std::string data, std::function<void(bool)> on_written);
  void EndStream();
  void Close();

 private:
  enum class State {
    kIdle,
    kReading,
    kHandling,
    kWriting,
    kStreaming,
    kLingering,
    kClosed
  };

  struct Piece {
    enum class Kind { kHead, kChunk, kLast } kind;
    std::string data;
    std::function<void(bool)> on_written;
  };

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnRequest(boost::beast::error_code ec);
  void Refuse(boost::beast::error_code ec);
  // Answers `status` (HttpHandler::Refuse) and closes.
  void Refuse(int status, const std::string& reason);
  void OnResponseWritten(boost::beast::error_code ec);
  void LingeringClose();
  void Discard();
  void PumpStream();
  void OnPieceWritten(boost::beast::error_code ec);
  void WatchForClientGone();
  void ArmKeepalive();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<ConnectionRegistry> registry_;
  std::string peer_;
  std::string client_;  // its slot in registry_, while holds_slot_
  bool holds_slot_ = true;
  const std::chrono::steady_clock::time_point accepted_;
  // Requests read so far: the first head must arrive within
  // request_header_timeout of the accept, later ones may idle first.
  int requests_ = 0;
  // The whole request (head and body) must have arrived by then.
  std::chrono::steady_clock::time_point request_deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  State state_ = State::kIdle;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>>
      response_;

  // Streaming.
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>>
      stream_head_;
  std::optional<
      boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      serializer_;
  std::deque<Piece> pieces_;
  std::optional<Piece> writing_;
  std::function<void()> on_client_gone_;
  std::string keepalive_chunk_;
  absl::Duration keepalive_interval_ = absl::ZeroDuration();
  boost::asio::steady_timer keepalive_timer_;
  std::array<char, 512> scratch_;
};

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_HTTP_CONNECTION_H_
