#ifndef HELPDESK_TOOLS_PERF_LOAD_H_
#define HELPDESK_TOOLS_PERF_LOAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace helpdesk::perf {

// What one load run measured: completed calls per second over the measured
// window, latency percentiles over every call completed in it, and the
// calls that failed.
struct LoadFigures {
  int64_t calls = 0;
  int64_t errors = 0;
  double per_second = 0;
  absl::Duration p50;
  absl::Duration p90;
  absl::Duration p99;
  absl::Duration p999;
};

// Starts one call for `slot`; the call reports its outcome through `done`
// (true: success), on any thread, exactly once.
using IssueFn = absl::AnyInvocable<void(
    int slot, absl::AnyInvocable<void(bool ok) &&> done)>;

// A closed loop without a thread per caller: `concurrency` calls are kept in
// flight, each slot issuing its next call from the completion of the last,
// for `warmup` (not measured) and then `duration`.
LoadFigures RunClosedLoop(int concurrency, absl::Duration warmup,
                          absl::Duration duration, IssueFn issue);

// One gRPC unary method called with a fixed set of serialized requests
// (slots take them round-robin), a bearer token and a deadline, through the
// generic stub: the client neither builds nor parses messages per call, so
// what is measured is the server.
class GrpcUnaryLoad {
 public:
  // `channels` are shared by the slots round-robin.
  GrpcUnaryLoad(std::vector<std::shared_ptr<grpc::Channel>> channels,
                std::string method, std::vector<std::string> requests,
                std::string bearer_token);

  LoadFigures Run(int concurrency, absl::Duration warmup,
                  absl::Duration duration);

 private:
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::string method_;
  std::vector<grpc::ByteBuffer> requests_;
  std::string authorization_;
};

// Runs Debian's `wrk` (HTTP/1.1 keep-alive) against `url` with `connections`
// connections for `warmup` then `duration`; `body` non-empty makes it a JSON
// POST. Non-2xx answers count as errors. p99.9 is not reported by wrk and
// is left at zero.
LoadFigures RunWrk(const std::string& url, const std::string& bearer_token,
                   const std::string& body, int connections,
                   absl::Duration warmup, absl::Duration duration);

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_LOAD_H_
