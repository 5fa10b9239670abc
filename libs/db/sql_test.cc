#include "libs/db/sql.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace helpdesk::db {
namespace {

TEST(ToDollarPlaceholders, NumbersPlaceholdersInOrder) {
  EXPECT_EQ(ToDollarPlaceholders("SELECT a FROM t WHERE b = ? AND c < ?"),
            "SELECT a FROM t WHERE b = $1 AND c < $2");
}

TEST(ToDollarPlaceholders, KeepsExplicitNumbers) {
  EXPECT_EQ(ToDollarPlaceholders("UPDATE t SET a = ?1 WHERE id = ?2 OR p = ?1"),
            "UPDATE t SET a = $1 WHERE id = $2 OR p = $1");
}

TEST(ToDollarPlaceholders, LeavesLiteralsIdentifiersAndCommentsAlone) {
  EXPECT_EQ(
      ToDollarPlaceholders("SELECT '?', 'it''s ?', \"odd?col\" FROM t -- why?\n"
                           "WHERE x = ?"),
      "SELECT '?', 'it''s ?', \"odd?col\" FROM t -- why?\n"
      "WHERE x = $1");
}

TEST(Rows, ReadsCellsByPositionWithConversions) {
  Rows rows(2,
            {Rows::Cell(int64_t{7}), Rows::Cell(std::string("a")),
             Rows::Cell(std::monostate()), Rows::Cell(std::string("42"))},
            3);
  ASSERT_EQ(rows.size(), 2);
  EXPECT_EQ(rows.affected(), 3);
  EXPECT_EQ(rows.Int64(0, 0), 7);
  EXPECT_EQ(rows.Text(0, 0), "7");
  EXPECT_EQ(rows.Text(0, 1), "a");
  EXPECT_TRUE(rows.IsNull(1, 0));
  EXPECT_EQ(rows.Int64(1, 0), 0);
  EXPECT_EQ(rows.Text(1, 0), "");
  EXPECT_EQ(rows.Int64(1, 1), 42);
}

TEST(Value, KeepsKindAndBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_TRUE(Value::Null().is_null());
  EXPECT_TRUE(Value(int64_t{5}).is_int());
  EXPECT_EQ(Value(true).int_value(), 1);
  EXPECT_FALSE(Value("x").is_bytes());
  EXPECT_TRUE(Value::Bytes(with_nul).is_bytes());
  EXPECT_EQ(Value::Bytes(with_nul).text(), with_nul);
}

}  // namespace
}  // namespace helpdesk::db
