#ifndef HELPDESK_TOOLS_PERF_REPORT_H_
#define HELPDESK_TOOLS_PERF_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/perf/load.h"

namespace helpdesk::perf {

// One row of the results table: a scenario at a load, what was measured,
// its ratio to the ceiling and the target it is held to.
struct Row {
  std::string scenario;
  std::string load;  // "32", "256", or what was counted
  LoadFigures figures;
  std::string ratio;   // "0.72 × Health"
  std::string target;  // "≥ 0.60"
  std::optional<bool> met;
  // Set by Report::CompareWith: "0.83 × SQLite".
  std::string compared;

  // "gRPC CreateTicket at 32".
  static std::string Name(absl::string_view via, absl::string_view call,
                          absl::string_view load);
};

// The results of one run: rows printed as they come, notes, and the whole
// table at the end; WriteMarkdown() rewrites docs/benchmarks.md with them.
class Report {
 public:
  void Add(Row row);
  void Note(const std::string& line);

  static std::string Header();
  static std::string Format(const Row& row);
  std::string Table() const;
  int missed() const;  // rows whose target was not met

  // Gives each row the ratio of its figure to the row of the same scenario
  // and load in `baseline` (another engine's run of the same build): calls
  // per second where there are, else p50 latency (baseline's over this
  // one's, so above 1 is faster here too); a "vs <name>" column.
  void CompareWith(const Report& baseline, const std::string& name);

  // The whole page: machine, method, date, notes and table; with
  // `postgres`, that run's table and notes after it.
  void WriteMarkdown(const std::string& path, bool quick, absl::Duration took,
                     const Report* postgres = nullptr) const;

 private:
  std::string Notes() const;

  std::vector<Row> rows_;
  std::vector<std::string> notes_;
  std::string compared_to_;  // CompareWith's name
};

std::string Ms(absl::Duration duration);          // "1.25"
std::string MiB(int64_t kib);                     // "26.1 MiB"
std::string Ratio(double value, const char* of);  // "0.72 × Health"
// "2 cores, AMD EPYC …", from /proc/cpuinfo.
std::string Machine();

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_REPORT_H_
