#include "gateway/http_connection.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "libs/text/utf8.h"

namespace helpdesk::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kReadChunk = 4096;
constexpr absl::Duration kLingerTime = absl::Seconds(2);
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

using Parser = http::request_parser<http::string_body>;

void LimitParser(const HttpServerOptions& options, Parser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
}

HttpRequest ToHttpRequest(http::request<http::string_body> message,
                          const std::string& peer) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.push_back(
        {absl::AsciiStrToLower(absl::string_view(field.name_string().data(),
                                                 field.name_string().size())),
         std::string(field.value())});
  }
  request.body = std::move(message.body());
  request.peer_address = peer;
  return request;
}

// The answer to a request that failed to read with `ec`: 400, 413 or 431
// with a reason, or 0 when there is nobody to answer (the client left, or
// was too slow).
int RefusalStatus(const beast::error_code& ec, std::string* reason) {
  if (ec == http::error::body_limit) {
    *reason = "request body too large";
    return 413;
  }
  if (ec == http::error::header_limit) {
    *reason = "request headers too large";
    return 431;
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::eof ||
      ec == asio::error::connection_reset ||
      ec == http::error::partial_message) {
    return 0;
  }
  *reason = "malformed HTTP request";
  return 400;
}

// The answer to a request whose head is `header`, before its body is read:
// 501 or 400 with a reason, or 0 to go on. The target must be UTF-8 (Beast
// takes any byte above 0x7f; answers quote the path, and JSON is UTF-8).
// Transfer-Encoding must be exactly `chunked`, once: Beast reads a request
// with any other coding as having no body, so the body's bytes would be
// parsed as the next request (request smuggling); HTTP/1.0 has no transfer
// codings.
int HeaderRefusalStatus(const http::request_header<>& header,
                        std::string* reason) {
  const auto target = header.target();
  if (!text::CodePointCount(absl::string_view(target.data(), target.size()))
           .has_value()) {
    *reason = "the request target is not valid UTF-8";
    return 400;
  }
  int codings = 0;
  bool chunked = true;
  for (const auto& field : header) {
    if (field.name() != http::field::transfer_encoding) continue;
    ++codings;
    const auto value = field.value();
    chunked = chunked && absl::EqualsIgnoreCase(
                             absl::StripAsciiWhitespace(
                                 absl::string_view(value.data(), value.size())),
                             "chunked");
  }
  if (codings == 0) return 0;
  if (header.version() < 11) {
    *reason = "Transfer-Encoding in an HTTP/1.0 request";
    return 400;
  }
  if (codings > 1 || !chunked) {
    *reason = "unsupported Transfer-Encoding: only chunked is implemented";
    return 501;
  }
  return 0;
}

// A SyncReadStream over bytes that are all there, then end of stream.
class BytesStream {
 public:
  explicit BytesStream(absl::string_view bytes) : bytes_(bytes) {}

  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers,
                   beast::error_code& ec) {
    ec = {};
    if (bytes_.empty()) {
      ec = asio::error::eof;
      return 0;
    }
    const size_t n =
        asio::buffer_copy(buffers, asio::buffer(bytes_.data(), bytes_.size()));
    bytes_.remove_prefix(n);
    return n;
  }

  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

  size_t remaining() const { return bytes_.size(); }

 private:
  absl::string_view bytes_;
};

// The HttpExchange of one request: forwards to the connection's event loop.
class Exchange final : public HttpExchange {
 public:
  explicit Exchange(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  ~Exchange() override {
    if (!answered_.exchange(true)) {
      HttpResponse response;
      response.status = 500;
      response.close_connection = true;
      Post([response = std::move(response)](Connection& c) mutable {
        c.WriteResponse(std::move(response));
      });
    }
  }

  void Respond(HttpResponse response) override {
    if (answered_.exchange(true)) return;
    Post([response = std::move(response)](Connection& c) mutable {
      c.WriteResponse(std::move(response));
    });
  }

  void StartStream(HttpResponse head, std::string keepalive_chunk,
                   absl::Duration keepalive_interval,
                   std::function<void()> on_client_gone) override {
    if (answered_.exchange(true)) return;
    Post([head = std::move(head), chunk = std::move(keepalive_chunk),
          keepalive_interval,
          gone = std::move(on_client_gone)](Connection& c) mutable {
      c.BeginStream(std::move(head), std::move(chunk), keepalive_interval,
                    std::move(gone));
    });
  }

  void WriteStream(std::string data,
                   std::function<void(bool)> on_written) override {
    Post([data = std::move(data),
          done = std::move(on_written)](Connection& c) mutable {
      c.QueueChunk(std::move(data), std::move(done));
    });
  }

  void FinishStream() override {
    Post([](Connection& c) { c.EndStream(); });
  }

 private:
  template <typename F>
  void Post(F f) {
    asio::post(connection_->executor(),
               [connection = connection_, f = std::move(f)]() mutable {
                 f(*connection);
               });
  }

  std::shared_ptr<Connection> connection_;
  std::atomic<bool> answered_{false};
};

}  // namespace

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::Snapshot() {
  absl::MutexLock lock(&mu);
  std::vector<std::shared_ptr<Connection>> result;
  for (auto& [raw, weak] : open) {
    if (auto connection = weak.lock()) result.push_back(connection);
  }
  return result;
}

namespace {

asio::ip::address Unmapped(asio::ip::address address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace

std::string PeerAddress(const asio::ip::address& peer) {
  return Unmapped(peer).to_string();
}

const char* ConnectionRegistry::Admit(const std::string& client) {
  absl::MutexLock lock(&mu);
  if (admitted >= options.max_connections) return "server";
  int& count = per_client[client];
  if (options.max_connections_per_client > 0 &&
      count >= options.max_connections_per_client) {
    return "client";
  }
  ++count;
  ++admitted;
  return nullptr;
}

void ConnectionRegistry::Release(const std::string& client) {
  --admitted;
  auto it = per_client.find(client);
  if (it != per_client.end() && --it->second <= 0) per_client.erase(it);
}

Connection::Connection(tcp::socket socket,
                       std::shared_ptr<ConnectionRegistry> registry,
                       std::string client)
    : stream_(std::move(socket)),
      registry_(std::move(registry)),
      client_(std::move(client)),
      accepted_(std::chrono::steady_clock::now()),
      keepalive_timer_(stream_.get_executor()) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = PeerAddress(endpoint.address());
}

Connection::~Connection() {
  absl::MutexLock lock(&registry_->mu);
  registry_->open.erase(this);
  if (holds_slot_) registry_->Release(client_);
}

void Connection::Start() {
  {
    absl::MutexLock lock(&registry_->mu);
    registry_->open.emplace(this, weak_from_this());
  }
  WaitForRequest();
}

void Connection::OnDrain() {
  if (state_ == State::kIdle) Close();
}

void Connection::WaitForRequest() {
  state_ = State::kIdle;
  if (registry_->draining.load()) {
    Close();
    return;
  }
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadHeader();
    return;
  }
  if (requests_ == 0) {
    stream_.expires_at(accepted_ +
                       Chrono(registry_->options.request_header_timeout));
  } else {
    stream_.expires_after(Chrono(registry_->options.idle_timeout));
  }
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](beast::error_code ec, size_t n) {
        if (ec) {
          self->Close();
          return;
        }
        self->buffer_.commit(n);
        self->ReadHeader();
      });
}

void Connection::ReadHeader() {
  state_ = State::kReading;
  parser_.emplace();
  LimitParser(registry_->options, *parser_);
  const auto now = std::chrono::steady_clock::now();
  request_deadline_ = now + Chrono(registry_->options.request_timeout);
  const auto head_deadline = (requests_ == 0 ? accepted_ : now) +
                             Chrono(registry_->options.request_header_timeout);
  stream_.expires_at(std::min(head_deadline, request_deadline_));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) {
        self->OnHeader(ec);
      });
}

void Connection::OnHeader(beast::error_code ec) {
  if (ec) {
    Refuse(ec);
    return;
  }
  const auto& header = parser_->get();
  std::string reason;
  if (const int status = HeaderRefusalStatus(header, &reason); status != 0) {
    version_ = header.version();
    Refuse(status, reason);
    return;
  }
  if (header.version() >= 11 &&
      beast::iequals(header[http::field::expect], "100-continue")) {
    asio::async_write(
        stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            self->Close();
            return;
          }
          self->ReadBody();
        });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  stream_.expires_at(request_deadline_);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->OnRequest(ec);
                   });
}

void Connection::OnRequest(beast::error_code ec) {
  if (ec) {
    Refuse(ec);
    return;
  }
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  keep_alive_ = message.keep_alive();
  version_ = message.version();
  ++requests_;
  HttpRequest request = ToHttpRequest(std::move(message), peer_);
  state_ = State::kHandling;
  stream_.expires_never();
  registry_->handler->Handle(std::move(request),
                             std::make_shared<Exchange>(shared_from_this()));
}

void Connection::Refuse(beast::error_code ec) {
  std::string reason;
  const int status = RefusalStatus(ec, &reason);
  if (status == 0) {
    Close();  // the client left, or was too slow: nobody to answer
    return;
  }
  Refuse(status, reason);
}

void Connection::Refuse(int status, const std::string& reason) {
  keep_alive_ = false;
  HttpResponse response = registry_->handler->Refuse(status, reason);
  response.close_connection = true;
  WriteResponse(std::move(response));
}

void Connection::WriteResponse(HttpResponse response) {
  if (state_ == State::kClosed || state_ == State::kStreaming) return;
  state_ = State::kWriting;
  response_.emplace(static_cast<http::status>(response.status), version_);
  for (HttpHeader& header : response.headers) {
    response_->insert(header.name, header.value);
  }
  response_->body() = std::move(response.body);
  response_->keep_alive(keep_alive_ && !response.close_connection &&
                        !registry_->draining.load());
  response_->prepare_payload();
  stream_.expires_after(Chrono(registry_->options.write_timeout));
  http::async_write(stream_, *response_,
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->OnResponseWritten(ec);
                    });
}

void Connection::OnResponseWritten(beast::error_code ec) {
  if (ec) {
    Close();
    return;
  }
  const bool keep_alive = response_->keep_alive();
  response_.reset();
  if (!keep_alive) {
    LingeringClose();
    return;
  }
  WaitForRequest();
}

// Closing with unread request bytes in the socket makes the kernel send a
// reset, which can destroy the response before the client reads it: stop
// sending, then read and drop what the client still sends, for a while.
void Connection::LingeringClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(Chrono(kLingerTime));
  Discard();
}

void Connection::Discard() {
  stream_.async_read_some(
      asio::buffer(scratch_),
      [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) {
          self->Close();
          return;
        }
        self->Discard();
      });
}

void Connection::BeginStream(HttpResponse head, std::string keepalive_chunk,
                             absl::Duration keepalive_interval,
                             std::function<void()> on_client_gone) {
  if (state_ == State::kClosed) {
    if (on_client_gone) on_client_gone();
    return;
  }
  state_ = State::kStreaming;
  on_client_gone_ = std::move(on_client_gone);
  keepalive_chunk_ = std::move(keepalive_chunk);
  keepalive_interval_ = keepalive_interval;
  stream_head_.emplace(static_cast<http::status>(head.status), version_);
  for (HttpHeader& header : head.headers) {
    stream_head_->insert(header.name, header.value);
  }
  stream_head_->keep_alive(false);
  stream_head_->chunked(true);
  serializer_.emplace(*stream_head_);
  pieces_.push_back({Piece::Kind::kHead, "", nullptr});
  PumpStream();
  WatchForClientGone();
  ArmKeepalive();
}

void Connection::QueueChunk(std::string data,
                            std::function<void(bool)> on_written) {
  if (state_ != State::kStreaming) {
    if (on_written) on_written(false);
    return;
  }
  pieces_.push_back(
      {Piece::Kind::kChunk, std::move(data), std::move(on_written)});
  PumpStream();
}

void Connection::EndStream() {
  if (state_ != State::kStreaming) return;
  pieces_.push_back({Piece::Kind::kLast, "", nullptr});
  PumpStream();
}

void Connection::PumpStream() {
  if (writing_.has_value() || pieces_.empty() || state_ != State::kStreaming) {
    return;
  }
  writing_ = std::move(pieces_.front());
  pieces_.pop_front();
  stream_.expires_after(Chrono(registry_->options.write_timeout));
  auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnPieceWritten(ec);
  };
  switch (writing_->kind) {
    case Piece::Kind::kHead:
      http::async_write_header(stream_, *serializer_, std::move(done));
      break;
    case Piece::Kind::kChunk:
      asio::async_write(stream_, http::make_chunk(asio::buffer(writing_->data)),
                        std::move(done));
      break;
    case Piece::Kind::kLast:
      asio::async_write(stream_, http::make_chunk_last(), std::move(done));
      break;
  }
}

void Connection::OnPieceWritten(beast::error_code ec) {
  Piece piece = std::move(*writing_);
  writing_.reset();
  if (piece.on_written) piece.on_written(!ec);
  if (ec) {
    Close();
    return;
  }
  if (piece.kind == Piece::Kind::kLast) {
    // The watch read stays pending and ends the connection at the client's
    // EOF; the timer bounds the wait.
    on_client_gone_ = nullptr;
    state_ = State::kLingering;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    keepalive_timer_.expires_after(Chrono(kLingerTime));
    keepalive_timer_.async_wait(
        [self = shared_from_this()](beast::error_code ec) {
          if (!ec) self->Close();
        });
    return;
  }
  ArmKeepalive();
  PumpStream();
}

// During a stream the client sends nothing more; a read that completes
// means it closed the connection (or broke it).
void Connection::WatchForClientGone() {
  stream_.socket().async_read_some(
      asio::buffer(scratch_),
      [self = shared_from_this()](beast::error_code ec, size_t) {
        if (self->state_ == State::kClosed) return;
        if (ec) {
          self->Close();
          return;
        }
        self->WatchForClientGone();
      });
}

void Connection::ArmKeepalive() {
  if (keepalive_interval_ <= absl::ZeroDuration() || keepalive_chunk_.empty()) {
    return;
  }
  keepalive_timer_.expires_after(Chrono(keepalive_interval_));
  keepalive_timer_.async_wait(
      [self = shared_from_this()](beast::error_code ec) {
        if (ec || self->state_ != State::kStreaming) return;
        if (!self->writing_.has_value() && self->pieces_.empty()) {
          self->pieces_.push_back(
              {Piece::Kind::kChunk, self->keepalive_chunk_, nullptr});
          self->PumpStream();
        } else {
          self->ArmKeepalive();
        }
      });
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  {
    absl::MutexLock lock(&registry_->mu);
    if (holds_slot_) registry_->Release(client_);
    holds_slot_ = false;
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  keepalive_timer_.cancel();
  std::deque<Piece> pending = std::move(pieces_);
  pieces_.clear();
  for (Piece& piece : pending) {
    if (piece.on_written) piece.on_written(false);
  }
  if (auto gone = std::move(on_client_gone_)) {
    on_client_gone_ = nullptr;
    gone();
  }
}

// The same reads as a Connection's (ReadHeader, then ReadBody on the same
// parser and buffer), synchronously over `input`.
ParsedHttpRequest ParseHttpRequest(absl::string_view input,
                                   const HttpServerOptions& options,
                                   const std::string& peer_address) {
  ParsedHttpRequest result;
  if (input.empty()) return result;  // the connection closes idle
  BytesStream stream(input);
  beast::flat_buffer buffer;
  Parser parser;
  LimitParser(options, parser);
  beast::error_code ec;
  http::read_header(stream, buffer, parser, ec);
  if (!ec) {
    result.refusal_status =
        HeaderRefusalStatus(parser.get(), &result.refusal_reason);
    if (result.refusal_status != 0) {
      result.outcome = ParsedHttpRequest::Outcome::kRefused;
      return result;
    }
    http::read(stream, buffer, parser, ec);
  }
  if (ec) {
    result.refusal_status = RefusalStatus(ec, &result.refusal_reason);
    result.outcome = result.refusal_status == 0
                         ? ParsedHttpRequest::Outcome::kClosed
                         : ParsedHttpRequest::Outcome::kRefused;
    return result;
  }
  http::request<http::string_body> message = parser.release();
  result.outcome = ParsedHttpRequest::Outcome::kRequest;
  result.keep_alive = message.keep_alive();
  result.consumed = input.size() - stream.remaining() - buffer.size();
  result.request = ToHttpRequest(std::move(message), peer_address);
  return result;
}

}  // namespace helpdesk::gateway
