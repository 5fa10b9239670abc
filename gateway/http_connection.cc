#include "gateway/http_connection.h"

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
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/http_message.h"

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

Connection::Connection(tcp::socket socket,
                       std::shared_ptr<ConnectionRegistry> registry)
    : stream_(std::move(socket)),
      registry_(std::move(registry)),
      keepalive_timer_(stream_.get_executor()) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    peer_ = address.to_string();
  }
}

Connection::~Connection() {
  absl::MutexLock lock(&registry_->mu);
  registry_->open.erase(this);
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
  stream_.expires_after(Chrono(registry_->options.idle_timeout));
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
  parser_->header_limit(
      static_cast<std::uint32_t>(registry_->options.max_header_bytes));
  parser_->body_limit(registry_->options.max_body_bytes);
  stream_.expires_after(Chrono(registry_->options.request_timeout));
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
  request.peer_address = peer_;
  state_ = State::kHandling;
  stream_.expires_never();
  registry_->handler->Handle(std::move(request),
                             std::make_shared<Exchange>(shared_from_this()));
}

void Connection::Refuse(beast::error_code ec) {
  int status = 0;
  std::string reason;
  if (ec == http::error::body_limit) {
    status = 413;
    reason = "request body too large";
  } else if (ec == http::error::header_limit) {
    status = 431;
    reason = "request headers too large";
  } else if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
             ec == asio::error::operation_aborted || ec == asio::error::eof ||
             ec == asio::error::connection_reset ||
             ec == http::error::partial_message) {
    Close();  // the client left, or was too slow: nobody to answer
    return;
  } else {
    status = 400;
    reason = "malformed HTTP request";
  }
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

}  // namespace helpdesk::gateway
