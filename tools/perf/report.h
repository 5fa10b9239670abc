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

  // The whole page: machine, method, date, notes and table.
  void WriteMarkdown(const std::string& path, bool quick,
                     absl::Duration took) const;

 private:
  std::vector<Row> rows_;
  std::vector<std::string> notes_;
};

std::string Ms(absl::Duration duration);          // "1.25"
std::string MiB(int64_t kib);                     // "26.1 MiB"
std::string Ratio(double value, const char* of);  // "0.72 × Health"
// "2 cores, AMD EPYC …", from /proc/cpuinfo.
std::string Machine();

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_REPORT_H_
