#include "tools/perf/load.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace helpdesk::perf {
namespace {

absl::Duration Percentile(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return absl::ZeroDuration();
  const size_t index =
      std::min(sorted_ns.size() - 1, static_cast<size_t>(q * sorted_ns.size()));
  return absl::Nanoseconds(sorted_ns[index]);
}

// wrk prints durations as "470.12us", "1.23ms" or "2.00s".
absl::Duration ParseWrkDuration(absl::string_view text) {
  double value = 0;
  for (const auto& [suffix, unit] :
       {std::pair<absl::string_view, absl::Duration>{"us",
                                                     absl::Microseconds(1)},
        {"ms", absl::Milliseconds(1)},
        {"m", absl::Minutes(1)},
        {"s", absl::Seconds(1)}}) {
    if (absl::ConsumeSuffix(&text, suffix) && absl::SimpleAtod(text, &value)) {
      return value * unit;
    }
  }
  return absl::ZeroDuration();
}

int64_t WholeSeconds(absl::Duration duration) {
  return std::max<int64_t>(1, absl::ToInt64Seconds(duration));
}

}  // namespace

LoadFigures RunClosedLoop(int concurrency, absl::Duration warmup,
                          absl::Duration duration, IssueFn issue) {
  const absl::Time measure_start = absl::Now() + warmup;
  const absl::Time end = measure_start + duration;
  std::vector<std::vector<int64_t>> latencies(concurrency);
  std::vector<int64_t> errors(concurrency, 0);
  absl::Mutex mu;
  int active = concurrency;

  std::function<void(int)> launch = [&](int slot) {
    const absl::Time started = absl::Now();
    issue(slot, [&, slot, started](bool ok) {
      const absl::Time now = absl::Now();
      if (started >= measure_start && now < end) {
        latencies[slot].push_back(absl::ToInt64Nanoseconds(now - started));
        if (!ok) ++errors[slot];
      }
      if (now < end) {
        launch(slot);
      } else {
        absl::MutexLock lock(&mu);
        --active;
      }
    });
  };
  for (int slot = 0; slot < concurrency; ++slot) launch(slot);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* remaining) { return *remaining == 0; }, &active));
  }

  std::vector<int64_t> all;
  LoadFigures figures;
  for (int slot = 0; slot < concurrency; ++slot) {
    all.insert(all.end(), latencies[slot].begin(), latencies[slot].end());
    figures.errors += errors[slot];
  }
  std::sort(all.begin(), all.end());
  figures.calls = static_cast<int64_t>(all.size());
  figures.per_second = figures.calls / absl::ToDoubleSeconds(duration);
  figures.p50 = Percentile(all, 0.50);
  figures.p90 = Percentile(all, 0.90);
  figures.p99 = Percentile(all, 0.99);
  figures.p999 = Percentile(all, 0.999);
  return figures;
}

GrpcUnaryLoad::GrpcUnaryLoad(
    std::vector<std::shared_ptr<grpc::Channel>> channels, std::string method,
    std::vector<std::string> requests, std::string bearer_token)
    : method_(std::move(method)),
      authorization_(absl::StrCat("Bearer ", bearer_token)) {
  for (const auto& channel : channels) {
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  for (const std::string& request : requests) {
    grpc::Slice slice(request);
    requests_.emplace_back(&slice, 1);
  }
}

LoadFigures GrpcUnaryLoad::Run(int concurrency, absl::Duration warmup,
                               absl::Duration duration) {
  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    size_t next_request = 0;
  };
  std::vector<Slot> slots(concurrency);
  return RunClosedLoop(
      concurrency, warmup, duration,
      [&](int slot_index, absl::AnyInvocable<void(bool) &&> done) {
        Slot& slot = slots[slot_index];
        slot.context = std::make_unique<grpc::ClientContext>();
        slot.context->AddMetadata("authorization", authorization_);
        slot.context->set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        slot.request =
            requests_[(slot_index + slot.next_request++) % requests_.size()];
        auto callback = std::make_shared<absl::AnyInvocable<void(bool) &&>>(
            std::move(done));
        stubs_[slot_index % stubs_.size()]->UnaryCall(
            slot.context.get(), method_, grpc::StubOptions(), &slot.request,
            &slot.response, [callback](grpc::Status status) {
              std::move (*callback)(status.ok());
            });
      });
}

LoadFigures RunWrk(const std::string& url, const std::string& bearer_token,
                   const std::string& body, int connections,
                   absl::Duration warmup, absl::Duration duration) {
  const std::string script =
      (std::filesystem::temp_directory_path() / "helpdesk-bench-wrk.lua")
          .string();
  {
    std::ofstream lua(script);
    lua << "wrk.headers[\"Authorization\"] = \"Bearer " << bearer_token
        << "\"\n";
    if (!body.empty()) {
      lua << "wrk.method = \"POST\"\n"
          << "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
          << "wrk.body = [[" << body << "]]\n";
    }
  }
  const int threads = std::min(2, connections);
  auto command = [&](absl::Duration run) {
    return absl::StrCat("wrk --latency -t", threads, " -c", connections, " -d",
                        WholeSeconds(run), "s -s ", script, " '", url,
                        "' 2>&1");
  };
  if (warmup > absl::ZeroDuration()) {
    const std::string warm = absl::StrCat(command(warmup), " >/dev/null");
    if (std::system(warm.c_str()) != 0) {
      std::cerr << "wrk failed (tools/bootstrap installs it)\n";
      std::exit(1);
    }
  }
  FILE* pipe = popen(command(duration).c_str(), "r");
  if (pipe == nullptr) std::exit(1);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
    output.append(buffer, n);
  if (pclose(pipe) != 0) {
    std::cerr << "wrk failed:\n" << output;
    std::exit(1);
  }

  LoadFigures figures;
  bool in_distribution = false;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.empty()) continue;
    if (words[0] == "Latency" && words.size() > 1 &&
        words[1] == "Distribution") {
      in_distribution = true;
      continue;
    }
    if (in_distribution && words.size() == 2 && absl::EndsWith(words[0], "%")) {
      const absl::Duration value = ParseWrkDuration(words[1]);
      if (words[0] == "50%") figures.p50 = value;
      if (words[0] == "90%") figures.p90 = value;
      if (words[0] == "99%") figures.p99 = value;
      continue;
    }
    in_distribution = false;
    if (words[0] == "Requests/sec:" && words.size() == 2) {
      (void)absl::SimpleAtod(words[1], &figures.per_second);
    } else if (words.size() > 2 && words[1] == "requests" && words[2] == "in") {
      (void)absl::SimpleAtoi(words[0], &figures.calls);
    } else if (absl::StartsWith(line, "  Non-2xx or 3xx responses:")) {
      int64_t non_2xx = 0;
      if (absl::SimpleAtoi(words.back(), &non_2xx)) figures.errors += non_2xx;
    } else if (words[0] == "Socket" && words.size() > 2) {
      // "Socket errors: connect 0, read 0, write 0, timeout 0"
      for (size_t i = 3; i < words.size(); i += 2) {
        int64_t count = 0;
        if (absl::SimpleAtoi(absl::StripSuffix(words[i], ","), &count)) {
          figures.errors += count;
        }
      }
    }
  }
  std::filesystem::remove(script);
  return figures;
}

}  // namespace helpdesk::perf
