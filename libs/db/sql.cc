#include "libs/db/sql.h"

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {

const char* EngineName(Engine engine) {
  return engine == Engine::kPostgres ? "postgres" : "sqlite";
}

Value Value::Bytes(absl::string_view bytes) {
  Value value;
  value.kind_ = Kind::kBytes;
  value.text_ = std::string(bytes);
  return value;
}

bool Rows::IsNull(int row, int column) const {
  return std::holds_alternative<std::monostate>(At(row, column));
}

int64_t Rows::Int64(int row, int column) const {
  const Cell& cell = At(row, column);
  if (const int64_t* number = std::get_if<int64_t>(&cell)) return *number;
  int64_t parsed = 0;
  if (const std::string* text = std::get_if<std::string>(&cell)) {
    if (!absl::SimpleAtoi(*text, &parsed)) return 0;
  }
  return parsed;
}

std::string Rows::Text(int row, int column) const {
  const Cell& cell = At(row, column);
  if (const std::string* text = std::get_if<std::string>(&cell)) return *text;
  if (const int64_t* number = std::get_if<int64_t>(&cell)) {
    return absl::StrCat(*number);
  }
  return "";
}

absl::StatusOr<int64_t> Connection::Execute(absl::string_view sql,
                                            absl::Span<const Value> params) {
  ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  return rows.affected();
}

std::string ToDollarPlaceholders(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or identifier, quotes doubled
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == absl::string_view::npos ? sql.size() : end + 1;
      absl::StrAppend(&out, sql.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == absl::string_view::npos ? sql.size() : end;
      absl::StrAppend(&out, sql.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c != '?') {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t digits = i + 1;
    while (digits < sql.size() && absl::ascii_isdigit(sql[digits])) ++digits;
    if (digits > i + 1) {
      absl::StrAppend(&out, "$", sql.substr(i + 1, digits - i - 1));
    } else {
      absl::StrAppend(&out, "$", ++next);
    }
    i = digits;
  }
  return out;
}

}  // namespace helpdesk::db
