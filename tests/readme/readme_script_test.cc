// Extracting a README's shell blocks and running them line by line.
#include "tests/readme/readme_script.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::readme {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;

constexpr char kMarkdown[] = R"md(# Title

## Calling it

Text.

```sh
one --a \
  --b
# a comment

two   # trailing comment
```

```js
not shell
```

```sh
three
```

## Other

```sh
four
```
)md";

TEST(ShellBlocksTest, TakesTheShBlocksOfOneSection) {
  absl::StatusOr<std::vector<std::string>> blocks =
      ShellBlocks(kMarkdown, "Calling it");
  ASSERT_THAT(blocks, IsOk());
  ASSERT_EQ(blocks->size(), 2);
  EXPECT_THAT(CommandLines((*blocks)[0]),
              ElementsAre("one --a   --b", "two   # trailing comment"));
  EXPECT_THAT(CommandLines((*blocks)[1]), ElementsAre("three"));
  EXPECT_THAT(ShellBlocks(kMarkdown, "Missing"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(WithOptionTest, InsertsAfterEachCallOfTheProgram) {
  EXPECT_EQ(WithOption("X=$(curl -s a | jq .x); grpcurl b", "curl", "-v"),
            "X=$(curl -v -s a | jq .x); grpcurl b");
  EXPECT_EQ(WithOption("grpcurl -plaintext h list", "grpcurl", "-max-time 2"),
            "grpcurl -max-time 2 -plaintext h list");
  EXPECT_EQ(WithCurlHttpCodes("curl -s x"),
            "curl -w '%{stderr}\\n@@http %{http_code}\\n' -s x");
}

TEST(RunCommandsTest, RunsLinesInOneShellAndStopsAtTheFirstFailure) {
  helpdesk::testing::TempDir dir;
  const ShellEnvironment environment{.work_dir = dir.path().string(),
                                     .path_prefix = dir.path().string()};
  std::vector<Command> commands;
  for (const char* line :
       {"NAME=$(echo value | tr a-z A-Z)", "echo \"$NAME\"; echo oops >&2",
        "printf 'no newline'", "sleep 5   # a comment", "false",
        "echo never"}) {
    commands.push_back({.line = line, .run = line});
  }
  commands[3].run = "timeout 0.1 sleep 5   # a comment";
  commands[3].ok_exit_statuses = {0, 124};
  absl::StatusOr<std::vector<CommandResult>> results =
      RunCommands(commands, environment);
  ASSERT_THAT(results, IsOk());
  ASSERT_EQ(results->size(), 6);
  EXPECT_EQ((*results)[0].variable, "VALUE");
  EXPECT_EQ((*results)[1].out, "VALUE\n");
  EXPECT_EQ((*results)[1].err, "oops");
  EXPECT_EQ((*results)[2].out, "no newline");
  EXPECT_EQ((*results)[3].exit_status, 124);
  EXPECT_TRUE((*results)[4].ran);
  EXPECT_EQ((*results)[4].exit_status, 1);
  EXPECT_FALSE((*results)[5].ran);
}

}  // namespace
}  // namespace helpdesk::readme
