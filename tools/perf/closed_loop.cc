#include "tools/perf/closed_loop.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace helpdesk::bench {

LoadResult RunClosedLoop(int concurrency, absl::Duration warmup,
                         absl::Duration duration,
                         const std::function<bool(int thread)>& call) {
  std::vector<std::vector<absl::Duration>> latencies(concurrency);
  std::vector<int64_t> errors(concurrency, 0);
  const absl::Time measure_from = absl::Now() + warmup;
  const absl::Time stop_at = measure_from + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        const absl::Time start = absl::Now();
        if (start >= stop_at) break;
        const bool ok = call(t);
        if (start < measure_from) continue;
        latencies[t].push_back(absl::Now() - start);
        if (!ok) ++errors[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<absl::Duration> all;
  LoadResult result;
  for (int t = 0; t < concurrency; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    result.errors += errors[t];
  }
  result.calls = static_cast<int64_t>(all.size());
  result.calls_per_second =
      static_cast<double>(result.calls) / absl::ToDoubleSeconds(duration);
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    if (all.empty()) return absl::ZeroDuration();
    return all[std::min(
        all.size() - 1,
        static_cast<size_t>(p * static_cast<double>(all.size())))];
  };
  result.p50 = percentile(0.50);
  result.p90 = percentile(0.90);
  result.p99 = percentile(0.99);
  return result;
}

std::string FormatRow(const std::string& name, int concurrency,
                      const LoadResult& result) {
  return absl::StrFormat(
      "| %-34s | %4d | %9.0f | %7.2f | %7.2f | %7.2f | %6d |", name,
      concurrency, result.calls_per_second,
      absl::ToDoubleMilliseconds(result.p50),
      absl::ToDoubleMilliseconds(result.p90),
      absl::ToDoubleMilliseconds(result.p99), result.errors);
}

}  // namespace helpdesk::bench
