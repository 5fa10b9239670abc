#ifndef HELPDESK_TOOLS_PERF_BENCH_SUPPORT_H_
#define HELPDESK_TOOLS_PERF_BENCH_SUPPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grpcpp/grpcpp.h"
#include "libs/clock/clock.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/auth/auth_component.h"
#include "tools/perf/closed_loop.h"

namespace helpdesk::bench {

// The pieces every benchmark binary repeats. Failures here exit the
// process: a benchmark that cannot set up has nothing to measure.

// `count` channels to `target` that share no connection, as separate
// clients would have.
std::vector<std::shared_ptr<grpc::Channel>> DistinctChannels(
    const std::string& target, int count);

// Wipes and recreates a benchmark's scratch data directory.
void FreshDirectory(const std::string& dir);

// The auth service as the benchmarks run it: demo accounts, production
// Argon2id parameters, rate limits off; audit events go to peers.audit.
absl::StatusOr<std::unique_ptr<auth::AuthComponent>> BenchAuth(
    const std::string& dir, const std::string& service_token,
    const Clock* clock, const rpc::Peers& peers = rpc::Peers::Unreachable());

// A server on a free loopback port (and on `extra_address`, if any) hosting
// `components` behind the auth interceptor, resolving callers through
// `resolver`; exits on error.
std::unique_ptr<rpc::RpcServer> BenchServer(
    absl::Span<rpc::Component* const> components, auth::TokenResolver* resolver,
    const std::string& service_token, const std::string& extra_address = "");

// A session token for a demo account (password demo123).
std::string DemoLogin(const std::shared_ptr<grpc::Channel>& channel,
                      const std::string& email);

// Prints the markdown header of the result table.
void PrintTableHeader();

// Runs grpc.health.v1.Health/Check closed-loop over `channels` (one per
// thread), prints its row and returns it: the ceiling every other figure
// of the run is compared with.
LoadResult MeasureHealthCeiling(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    absl::Duration warmup, absl::Duration duration);

}  // namespace helpdesk::bench

#endif  // HELPDESK_TOOLS_PERF_BENCH_SUPPORT_H_
