#ifndef HELPDESK_TOOLS_PERF_CLOSED_LOOP_H_
#define HELPDESK_TOOLS_PERF_CLOSED_LOOP_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"

namespace helpdesk::bench {

struct LoadResult {
  int64_t calls = 0;
  int64_t errors = 0;
  double calls_per_second = 0;
  absl::Duration p50;
  absl::Duration p90;
  absl::Duration p99;
};

// A closed-loop load generator: `concurrency` threads each call `call`
// back to back for `warmup` (not measured) and then `duration`. `call`
// returns false on error and receives its thread's index. Latency
// percentiles are over every measured call.
LoadResult RunClosedLoop(int concurrency, absl::Duration warmup,
                         absl::Duration duration,
                         const std::function<bool(int thread)>& call);

// One table row: name, concurrency, calls/s, p50/p90/p99 in ms, errors.
std::string FormatRow(const std::string& name, int concurrency,
                      const LoadResult& result);

}  // namespace helpdesk::bench

#endif  // HELPDESK_TOOLS_PERF_CLOSED_LOOP_H_
