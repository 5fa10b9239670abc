#include "libs/status/status_macros.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"

namespace helpdesk {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

absl::StatusOr<int> ParsePositive(int value) {
  if (value <= 0) return absl::InvalidArgumentError("not positive");
  return value;
}

absl::Status CheckPositive(int value, int* calls_after) {
  RETURN_IF_ERROR(ParsePositive(value).status());
  ++*calls_after;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Describe(int value) {
  ASSIGN_OR_RETURN(int parsed, ParsePositive(value));
  ASSIGN_OR_RETURN(parsed, ParsePositive(parsed * 2));
  return std::to_string(parsed);
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int calls_after = 0;
  EXPECT_THAT(CheckPositive(-1, &calls_after),
              StatusIs(absl::StatusCode::kInvalidArgument, "not positive"));
  EXPECT_EQ(calls_after, 0);
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  int calls_after = 0;
  EXPECT_THAT(CheckPositive(3, &calls_after), IsOk());
  EXPECT_EQ(calls_after, 1);
}

TEST(StatusMacrosTest, AssignOrReturnDeclaresAndReassigns) {
  absl::StatusOr<std::string> described = Describe(21);
  ASSERT_THAT(described, IsOk());
  EXPECT_EQ(*described, "42");
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesTheError) {
  EXPECT_THAT(Describe(0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StatusMatchersTest, StatusIsRejectsAnotherCode) {
  EXPECT_THAT(absl::NotFoundError("x"),
              ::testing::Not(StatusIs(absl::StatusCode::kInternal)));
  EXPECT_THAT(absl::OkStatus(),
              ::testing::Not(StatusIs(absl::StatusCode::kNotFound)));
}

}  // namespace
}  // namespace helpdesk
