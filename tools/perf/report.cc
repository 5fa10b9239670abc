#include "tools/perf/report.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace helpdesk::perf {
namespace {

std::string Today() {
  return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
}

}  // namespace

std::string Row::Name(absl::string_view via, absl::string_view call,
                      absl::string_view load) {
  return absl::StrCat(via, " ", call, " at ", load);
}

void Report::Add(Row row) {
  std::cout << Format(row) << std::endl;
  rows_.push_back(std::move(row));
}

void Report::Note(const std::string& line) {
  std::cout << line << std::endl;
  notes_.push_back(line);
}

std::string Report::Header() {
  return "| scenario | load | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms "
         "| errors | ratio | target | met |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|";
}

std::string Report::Format(const Row& row) {
  const LoadFigures& f = row.figures;
  return absl::StrFormat(
      "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", row.scenario,
      row.load, f.per_second > 0 ? absl::StrFormat("%.0f", f.per_second) : "",
      f.p50 > absl::ZeroDuration() ? Ms(f.p50) : "",
      f.p90 > absl::ZeroDuration() ? Ms(f.p90) : "",
      f.p99 > absl::ZeroDuration() ? Ms(f.p99) : "",
      f.p999 > absl::ZeroDuration() ? Ms(f.p999) : "",
      f.calls > 0 ? absl::StrCat(f.errors) : "", row.ratio, row.target,
      !row.met.has_value() ? "" : (*row.met ? "yes" : "**no**"));
}

std::string Report::Table() const {
  if (compared_to_.empty()) {
    std::string out = Header() + "\n";
    for (const Row& row : rows_) absl::StrAppend(&out, Format(row), "\n");
    return out;
  }
  // One more column: the ratio to the other engine.
  std::string out = absl::StrCat(
      "| scenario | load | calls/s | p50 ms | p99 ms | errors | ratio | vs ",
      compared_to_, " | target | met |\n",
      "|---|---:|---:|---:|---:|---:|---|---|---|---|\n");
  for (const Row& row : rows_) {
    const LoadFigures& f = row.figures;
    absl::StrAppendFormat(
        &out, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
        row.scenario, row.load,
        f.per_second > 0 ? absl::StrFormat("%.0f", f.per_second) : "",
        f.p50 > absl::ZeroDuration() ? Ms(f.p50) : "",
        f.p99 > absl::ZeroDuration() ? Ms(f.p99) : "",
        f.calls > 0 ? absl::StrCat(f.errors) : "", row.ratio, row.compared,
        row.target, !row.met.has_value() ? "" : (*row.met ? "yes" : "**no**"));
  }
  return out;
}

void Report::CompareWith(const Report& baseline, const std::string& name) {
  compared_to_ = name;
  for (Row& row : rows_) {
    for (const Row& other : baseline.rows_) {
      if (other.scenario != row.scenario || other.load != row.load) continue;
      if (row.figures.per_second > 0 && other.figures.per_second > 0) {
        row.compared = Ratio(row.figures.per_second / other.figures.per_second,
                             name.c_str());
      } else if (row.figures.p50 > absl::ZeroDuration() &&
                 other.figures.p50 > absl::ZeroDuration()) {
        row.compared =
            Ratio(absl::FDivDuration(other.figures.p50, row.figures.p50),
                  name.c_str());
      }
      break;
    }
  }
}

std::string Report::Notes() const {
  std::string out;
  for (const std::string& note : notes_) absl::StrAppend(&out, note, "\n\n");
  return out;
}

int Report::missed() const {
  return static_cast<int>(std::count_if(
      rows_.begin(), rows_.end(),
      [](const Row& row) { return row.met.has_value() && !*row.met; }));
}

void Report::WriteMarkdown(const std::string& path, bool quick,
                           absl::Duration took, const Report* postgres) const {
  std::ofstream out(path);
  out << "# Benchmarks\n\n"
      << "Written by `tools/bench" << (quick ? " --quick" : "")
      << (postgres != nullptr ? " --postgres" : "") << "` on " << Today()
      << " (the run took "
      << absl::FormatDuration(absl::Trunc(took, absl::Seconds(1)))
      << "). Machine: " << Machine()
      << ", Debian 12, g++ 12 `-c opt`; the load generator runs on the same "
         "cores as the server, so read the ratios, not the absolute "
         "figures. What limits each figure, profiles and before/after "
         "measurements: [performance.md](performance.md).\n\n"
      << "## Method\n\n"
      << "- A dataset is generated through the services' own stores into a "
         "fresh data directory; the real `helpdeskd` binary starts on it "
         "with `--rate_limits=false --seed_demo=false --sweep_interval=0`.\n"
      << "- gRPC rows: a closed loop of ours (`tools/perf/load.h`) keeps "
         "32 or 256 calls in flight over 4 connections through the generic "
         "stub (requests serialized once, replies not parsed), after a "
         "warm-up. The ceiling is grpc.health.v1 Health/Check on the same "
         "server in the same run; ratios are calls/s over the ceiling's.\n"
      << "- Gateway rows: Debian's `wrk` (2 threads, 32 or 256 keep-alive "
         "connections, `Authorization: Bearer`); the ratio is over the same "
         "call's gRPC row, and over `/healthz`.\n"
      << "- Callers: GetUnreadCount, GetTicket (own tickets) and CreateTicket "
         "as usera; ListTickets (status OPEN, page 50) and search (page 50, "
         "queries `printer` (in nearly every ticket), `vpn slow`, `term1500`, "
         "`wifi` "
         "in turn) as admina; ListAuditEvents (page 20) as admina.\n"
      << "- Jobs: status-change jobs queued in jobs.db while helpdeskd is "
         "down, then timed from process start until the last notification is "
         "stored. Latency: an admin's status change until the owner's watch "
         "stream delivers it, one at a time. Escalation: one "
         "RunEscalationSweep over a dataset where every ticket is overdue.\n"
      << "- Memory: VmRSS of helpdeskd one second after start-up (idle), and "
         "before/after opening the idle watch streams.\n\n"
      << "## Results\n\n";
  out << Notes() << Table() << "\n"
      << missed() << " targets missed in this run.\n";
  if (postgres == nullptr) return;
  out << "\n## The same run on PostgreSQL\n\n"
      << "Every scenario again on the same build, each service in its own "
         "schema of one PostgreSQL 15 database (a local cluster on a Unix "
         "socket, `tools/pg_local`, default settings but "
         "`max_connections=200`), datasets generated the same way. `vs "
         "SQLite` is each figure over the SQLite table's same row: calls/s "
         "where the row has them, else the inverse of p50 latency (so above "
         "1 is faster on PostgreSQL either way).\n\n"
      << postgres->Notes() << postgres->Table() << "\n"
      << postgres->missed() << " targets missed on PostgreSQL.\n";
}

std::string MiB(int64_t kib) {
  return absl::StrFormat("%.1f MiB", kib / 1024.0);
}
std::string Ms(absl::Duration d) {
  return absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(d));
}

std::string Ratio(double value, const char* of) {
  return absl::StrFormat("%.2f × %s", value, of);
}

std::string Machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpuinfo, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "model name")) {
      model = std::string(absl::StripAsciiWhitespace(
          absl::StripPrefix(absl::StripAsciiWhitespace(rest), ":")));
      break;
    }
  }
  return absl::StrCat(std::thread::hardware_concurrency(), " cores, ", model);
}

}  // namespace helpdesk::perf
