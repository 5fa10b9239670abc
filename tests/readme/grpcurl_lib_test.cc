// The grpcurl conventions the compatible client reproduces, without a
// server: JSON layout, -d splitting, flag parsing, output names.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "tests/readme/grpcurl_flags.h"
#include "tests/readme/grpcurl_format.h"
#include "tests/readme/reflection_database.h"

namespace helpdesk::readme {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Layout(const std::string& json) {
  absl::StatusOr<std::string> out = GrpcurlLayout(json);
  EXPECT_THAT(out, IsOk());
  return out.ok() ? *out : "";
}

TEST(GrpcurlLayoutTest, IndentsMembersByTwoSpaces) {
  EXPECT_EQ(Layout(R"({"user":{"id":"3","role":"USER"},"sessionToken":"t"})"),
            "{\n"
            "  \"user\": {\n"
            "    \"id\": \"3\",\n"
            "    \"role\": \"USER\"\n"
            "  },\n"
            "  \"sessionToken\": \"t\"\n"
            "}");
}

TEST(GrpcurlLayoutTest, SpreadsEmptyObjectsAndArraysOverLines) {
  // What grpcurl prints for an empty response and for -emit-defaults.
  EXPECT_EQ(Layout("{}"), "{\n  \n}");
  EXPECT_EQ(Layout(R"({"jobs":[],"nextPageToken":""})"),
            "{\n  \"jobs\": [\n    \n  ],\n  \"nextPageToken\": \"\"\n}");
}

TEST(GrpcurlLayoutTest, ArraysHoldOneElementPerLine) {
  EXPECT_EQ(Layout(R"({"ids":["1","2"],"t":[{"a":1}]})"),
            "{\n  \"ids\": [\n    \"1\",\n    \"2\"\n  ],\n"
            "  \"t\": [\n    {\n      \"a\": 1\n    }\n  ]\n}");
}

TEST(GrpcurlLayoutTest, PrintsAnyOnOneLineWithSortedKeys) {
  EXPECT_EQ(
      Layout(
          R"({"payload":{"@type":"t/x.P","zeta":"1","alpha":{"b":1,"a":2}}})"),
      "{\n  \"payload\": "
      "{\"@type\":\"t/x.P\",\"alpha\":{\"b\":1,\"a\":2},\"zeta\":\"1\"}"
      "\n}");
}

TEST(GrpcurlLayoutTest, KeepsStringsAsTheyAre) {
  EXPECT_EQ(Layout(R"({"s":"a \"{[,:]}\" \\"})"),
            "{\n  \"s\": \"a \\\"{[,:]}\\\" \\\\\"\n}");
}

TEST(GrpcurlLayoutTest, EscapesStringsAsGo) {
  EXPECT_EQ(Layout(R"({"s":"a&b\u003c\u007f\\u007f"})"),
            "{\n  \"s\": \"a\\u0026b\\u003c\x7f\\\\u007f\"\n}");
}

TEST(GrpcurlLayoutTest, RejectsInvalidJson) {
  EXPECT_THAT(GrpcurlLayout("{\"a\":}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GrpcurlLayout("{} {}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SplitJsonValuesTest, SplitsConcatenatedValues) {
  absl::StatusOr<std::vector<std::string>> values =
      SplitJsonValues(" {\"a\":\"}\"}\n{} ");
  ASSERT_THAT(values, IsOk());
  EXPECT_THAT(*values, ElementsAre("{\"a\":\"}\"}", "{}"));
  values = SplitJsonValues("  ");
  ASSERT_THAT(values, IsOk());
  EXPECT_TRUE(values->empty());
  EXPECT_THAT(SplitJsonValues("{\"a\":"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(GoNamesTest, NamesCodesAsGrpcGo) {
  EXPECT_EQ(GoCodeName(absl::StatusCode::kUnauthenticated), "Unauthenticated");
  EXPECT_EQ(GoCodeName(absl::StatusCode::kCancelled), "Canceled");
  EXPECT_EQ(GoCodeName(absl::StatusCode::kDeadlineExceeded),
            "DeadlineExceeded");
  EXPECT_EQ(GoRpcError(absl::UnavailableError("down")),
            "rpc error: code = Unavailable desc = down");
}

TEST(GrpcurlFlagsTest, ParsesLikeGosFlagPackage) {
  absl::StatusOr<GrpcurlFlags> flags = ParseGrpcurlFlags(
      {"grpcurl", "-plaintext", "-H", "authorization: Bearer x",
       "--emit-defaults", "-d={\"a\":1}", "-max-time", "2.5", "host:1",
       "pkg.S/M", "-d", "ignored"});
  ASSERT_THAT(flags, IsOk());
  EXPECT_TRUE(flags->plaintext);
  EXPECT_TRUE(flags->emit_defaults);
  EXPECT_THAT(flags->headers, ElementsAre("authorization: Bearer x"));
  EXPECT_EQ(flags->data, "{\"a\":1}");
  EXPECT_EQ(flags->max_time, 2.5);
  // Flags end at the first positional argument, as in grpcurl.
  EXPECT_THAT(flags->args, ElementsAre("host:1", "pkg.S/M", "-d", "ignored"));
}

TEST(GrpcurlFlagsTest, RejectsWhatGoRejects) {
  EXPECT_THAT(ParseGrpcurlFlags({"grpcurl", "-nope", "h:1", "list"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("flag provided but not defined: -nope")));
  EXPECT_THAT(ParseGrpcurlFlags({"grpcurl", "-d"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("flag needs an argument: -d")));
  EXPECT_THAT(ParseGrpcurlFlags({"grpcurl", "-plaintext=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A boolean flag takes no separate value: "false" is positional.
  absl::StatusOr<GrpcurlFlags> flags =
      ParseGrpcurlFlags({"grpcurl", "-plaintext", "false"});
  ASSERT_THAT(flags, IsOk());
  EXPECT_THAT(flags->args, ElementsAre("false"));
}

TEST(GrpcurlOutputNamesTest, ProtoNamesOnlyWhereJsonNameIsMissing) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "x.proto"
        message_type {
          name: "M"
          field { name: "session_token" number: 1 }
          field { name: "page_size" number: 2 json_name: "pageSize" }
          nested_type {
            name: "N"
            field { name: "assignee_id" number: 1 }
          }
        }
      )pb",
      &file));
  GrpcurlOutputNamesDatabase::UseProtoNamesWhereMissing(file);
  EXPECT_EQ(file.message_type(0).field(0).json_name(), "session_token");
  EXPECT_EQ(file.message_type(0).field(1).json_name(), "pageSize");
  EXPECT_EQ(file.message_type(0).nested_type(0).field(0).json_name(),
            "assignee_id");
}

}  // namespace
}  // namespace helpdesk::readme
