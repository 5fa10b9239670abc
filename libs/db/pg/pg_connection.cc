#include "libs/db/pg/pg_connection.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db::pg {
namespace {

// PostgreSQL type OIDs (pg_type.dat) that db::Rows reads specially.
constexpr unsigned int kBool = 16;
constexpr unsigned int kBytea = 17;
constexpr unsigned int kInt8 = 20;
constexpr unsigned int kInt2 = 21;
constexpr unsigned int kInt4 = 23;

Param ToParam(const Value& value) {
  if (value.is_null()) return Param::Null();
  if (value.is_int()) return Param(value.int_value());
  if (value.is_bytes()) return Param::Bytes(value.text());
  return Param(value.text());
}

// A bytea in the text format's hex form (\x0a1b...).
std::string DecodeBytea(absl::string_view text) {
  if (text.size() < 2 || text.substr(0, 2) != "\\x") return std::string(text);
  return absl::HexStringToBytes(text.substr(2));
}

}  // namespace

absl::StatusOr<Rows> PgConnection::Query(absl::string_view sql,
                                         absl::Span<const Value> params) {
  std::vector<Param> bound;
  bound.reserve(params.size());
  for (const Value& value : params) bound.push_back(ToParam(value));
  ASSIGN_OR_RETURN(Result result, connection_.Execute(sql, bound));
  const int columns = result.columns();
  const int rows = result.rows();
  std::vector<Rows::Cell> cells;
  cells.reserve(static_cast<size_t>(rows) * columns);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      if (result.IsNull(r, c)) {
        cells.emplace_back(std::monostate());
        continue;
      }
      const absl::string_view text = result.Text(r, c);
      switch (result.Type(c)) {
        case kBool:
          cells.emplace_back(static_cast<int64_t>(text == "t" ? 1 : 0));
          break;
        case kInt2:
        case kInt4:
        case kInt8: {
          int64_t number = 0;
          (void)absl::SimpleAtoi(text, &number);
          cells.emplace_back(number);
          break;
        }
        case kBytea:
          cells.emplace_back(DecodeBytea(text));
          break;
        default:
          cells.emplace_back(std::string(text));
      }
    }
  }
  return Rows(columns, std::move(cells), result.affected_rows());
}

absl::Status PgConnection::ExecuteScript(absl::string_view sql) {
  return connection_.ExecuteScript(sql);
}

}  // namespace helpdesk::db::pg
