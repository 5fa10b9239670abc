#include "libs/db/sqlite_connection.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "SQLiteCpp/Column.h"
#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {

absl::StatusOr<Rows> SqliteConnection::Query(absl::string_view sql,
                                             absl::Span<const Value> params) {
  ASSIGN_OR_RETURN(SQLite::Statement * statement, db_.Prepare(sql));
  return Guard([&]() -> absl::StatusOr<Rows> {
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& value = params[i];
      const int index = static_cast<int>(i) + 1;
      if (value.is_null()) {
        statement->bind(index);
      } else if (value.is_int()) {
        statement->bind(index, static_cast<int64_t>(value.int_value()));
      } else if (value.is_bytes()) {
        statement->bind(index, value.text().data(),
                        static_cast<int>(value.text().size()));
      } else {
        statement->bind(index, std::string(value.text()));
      }
    }
    sqlite3* handle = db_.connection().getHandle();
    const int64_t changes_before = sqlite3_total_changes64(handle);
    const int columns = statement->getColumnCount();
    std::vector<Rows::Cell> cells;
    while (statement->executeStep()) {
      for (int c = 0; c < columns; ++c) {
        SQLite::Column column = statement->getColumn(c);
        switch (column.getType()) {
          case SQLITE_NULL:
            cells.emplace_back(std::monostate());
            break;
          case SQLITE_INTEGER:
            cells.emplace_back(static_cast<int64_t>(column.getInt64()));
            break;
          default:
            cells.emplace_back(
                std::string(static_cast<const char*>(column.getBlob()),
                            static_cast<size_t>(column.getBytes())));
        }
      }
    }
    // Only a statement that changed something reports changes (a SELECT
    // would otherwise see the previous write's count).
    const int64_t affected = sqlite3_total_changes64(handle) != changes_before
                                 ? sqlite3_changes64(handle)
                                 : 0;
    statement->reset();
    return Rows(columns, std::move(cells), affected);
  });
}

absl::Status SqliteConnection::ExecuteScript(absl::string_view sql) {
  return db_.Execute(sql);
}

bool SqliteConnection::InTransaction() const {
  return sqlite3_get_autocommit(db_.connection().getHandle()) == 0;
}

}  // namespace helpdesk::db
