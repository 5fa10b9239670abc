#ifndef HELPDESK_GATEWAY_HTTP_SERVER_H_
#define HELPDESK_GATEWAY_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http_message.h"

namespace helpdesk::gateway {

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; HttpServer::port() tells which
  // Event-loop threads; each connection stays on one of them.
  int io_threads = 2;
  size_t max_body_bytes = 1 << 20;     // larger: 413
  size_t max_header_bytes = 16 << 10;  // larger: 431
  // A keep-alive connection may wait this long for its next request.
  absl::Duration idle_timeout = absl::Seconds(60);
  // A new connection must have sent its first request head this long after
  // it was accepted, and a later request's head must be complete this long
  // after its first byte, or the connection closes without an answer (idle
  // or slow connections must not hold slots; streams are not affected).
  absl::Duration request_header_timeout = absl::Seconds(10);
  // Once its first byte arrived, a whole request (headers and body) must
  // arrive within this time, or the connection closes (slow clients).
  absl::Duration request_timeout = absl::Seconds(15);
  // Each response write (and each chunk of a stream) must complete within
  // this time, or the connection closes (clients that stop reading).
  absl::Duration write_timeout = absl::Seconds(15);
  // Connections beyond this are closed as soon as they are accepted.
  int max_connections = 10000;
  // So are those beyond this many open from one client address (the TCP
  // peer's, never X-Forwarded-For; an IPv6 /64: ConnectionLimitKey in
  // client_address.h), so that one client cannot take every slot; 0: no
  // limit. Behind a reverse proxy every connection comes from the proxy.
  int max_connections_per_client = 512;
};

// The answer side of one request. Exactly one of Respond() or a stream
// (StartStream, WriteStream..., FinishStream) per exchange; an exchange
// dropped without either answers 500. Thread-safe: callable from any thread
// (the work is posted to the connection's event loop).
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  virtual void Respond(HttpResponse response) = 0;

  // Sends `head` (status and headers; its body is ignored) with chunked
  // transfer encoding. While the stream is open the client's side of the
  // connection is watched: when the client leaves (or the connection fails
  // or the server stops), `on_client_gone` runs once on the event loop.
  // `keepalive_chunk` is sent whenever nothing was written for
  // `keepalive_interval`.
  virtual void StartStream(HttpResponse head, std::string keepalive_chunk,
                           absl::Duration keepalive_interval,
                           std::function<void()> on_client_gone) = 0;

  // Sends one chunk; `on_written(ok)` runs on the event loop once it is
  // written (ok) or cannot be (the connection is gone).
  virtual void WriteStream(std::string data,
                           std::function<void(bool ok)> on_written) = 0;

  // Ends the stream and closes the connection.
  virtual void FinishStream() = 0;
};

// What the server calls; implemented by the gateway.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // One complete request. Runs on an event-loop thread: must not block.
  virtual void Handle(HttpRequest request,
                      std::shared_ptr<HttpExchange> exchange) = 0;

  // The answer to a request the server refuses before handing it over
  // (400 malformed, 413 body too large, 431 headers too large, 501 a
  // Transfer-Encoding other than chunked). The connection closes after it.
  virtual HttpResponse Refuse(int status, absl::string_view reason) = 0;
};

// An asynchronous HTTP/1.1 server (Boost.Beast on Asio) with keep-alive and
// pipelining-safe sequential requests per connection. A fixed number of
// event-loop threads serve every connection: an idle connection costs a
// socket and a few kilobytes, no thread. Requests are read with the limits
// and timeouts of HttpServerOptions; `handler` decides the answers.
//
// `handler` must outlive the server. Thread-safe.
class HttpServer final {
 public:
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, HttpHandler* handler);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

  int open_connections() const;

  // Closes the listening socket and idle keep-alive connections; busy
  // connections close after their current response. Idempotent.
  void StopAccepting();

  // Waits until no connection is open or `deadline` passes; true if none is.
  bool WaitForConnections(absl::Time deadline);

  // Closes every connection and stops the event loops. The handler is not
  // called afterwards. Idempotent.
  void Stop();

 private:
  struct State;
  HttpServer() = default;

  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
  int port_ = 0;
};

// One request read from the bytes a client sends on a new connection, with
// the reads, limits and refusals of HttpServer (for fuzzing and tests).
struct ParsedHttpRequest {
  enum class Outcome {
    kRequest,  // `request` goes to the handler
    kRefused,  // the server answers HttpHandler::Refuse and closes
    kClosed,   // nothing, or not all, of a request: closed without answer
  };
  Outcome outcome = Outcome::kClosed;
  HttpRequest request;      // kRequest
  bool keep_alive = false;  // kRequest: another request may follow
  size_t consumed = 0;      // kRequest: the bytes of `input` it took
  int refusal_status = 0;   // kRefused: 400, 413, 431 or 501
  std::string refusal_reason;
};

// The first request in `input`, all of the client's bytes before it closes
// its side; with keep-alive the next request starts at `consumed`.
ParsedHttpRequest ParseHttpRequest(absl::string_view input,
                                   const HttpServerOptions& options,
                                   const std::string& peer_address = "");

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_HTTP_SERVER_H_
