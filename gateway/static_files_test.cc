// The web console's file serving: lookup, types, caching and headers.
#include "gateway/static_files.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/http_message.h"
#include "gateway/web_console_files_gen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace helpdesk::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr char kIndex[] = "<!doctype html><title>Helpdesk</title>";
constexpr char kScript[] = "export const answer = 42;\n";

std::optional<std::string> HeaderOf(const HttpResponse& response,
                                    const std::string& name) {
  for (const HttpHeader& header : response.headers) {
    if (header.name == name) return header.value;
  }
  return std::nullopt;
}

HttpRequest Get(const std::string& target,
                std::vector<HttpHeader> headers = {}) {
  HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.headers = std::move(headers);
  return request;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFiles files_{{{"index.html", kIndex}, {"js/app.js", kScript}}};
};

TEST_F(StaticFilesTest, RootServesIndexHtml) {
  HttpResponse response = files_.Serve(Get("/"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kIndex);
  EXPECT_THAT(HeaderOf(response, "Content-Type"),
              Optional(std::string("text/html; charset=utf-8")));
}

TEST_F(StaticFilesTest, FilesByPathWithTheirContentType) {
  HttpResponse response = files_.Serve(Get("/js/app.js?v=1"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kScript);
  EXPECT_THAT(HeaderOf(response, "Content-Type"),
              Optional(std::string("text/javascript; charset=utf-8")));
}

TEST_F(StaticFilesTest, EveryAnswerCarriesTheSecurityAndCacheHeaders) {
  HttpResponse response = files_.Serve(Get("/"));
  EXPECT_THAT(HeaderOf(response, "Content-Security-Policy"),
              Optional(std::string(StaticFiles::kContentSecurityPolicy)));
  EXPECT_THAT(HeaderOf(response, "Cache-Control"),
              Optional(std::string("no-cache")));
  EXPECT_THAT(HeaderOf(response, "X-Content-Type-Options"),
              Optional(std::string("nosniff")));
  EXPECT_THAT(HeaderOf(response, "Referrer-Policy"),
              Optional(std::string("no-referrer")));
  EXPECT_THAT(std::string(StaticFiles::kContentSecurityPolicy),
              HasSubstr("script-src 'self';"));
  EXPECT_THAT(std::string(StaticFiles::kContentSecurityPolicy),
              HasSubstr("frame-ancestors 'none'"));
}

TEST_F(StaticFilesTest, StrongEtagAndNotModified) {
  HttpResponse first = files_.Serve(Get("/js/app.js"));
  std::optional<std::string> etag = HeaderOf(first, "ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_THAT(*etag, StartsWith("\""));
  EXPECT_EQ(etag->size(), 34u);  // 128 bits in hex, quoted
  EXPECT_NE(HeaderOf(files_.Serve(Get("/")), "ETag"), etag);

  HttpResponse again =
      files_.Serve(Get("/js/app.js", {{"if-none-match", *etag}}));
  EXPECT_EQ(again.status, 304);
  EXPECT_THAT(again.body, IsEmpty());
  EXPECT_EQ(HeaderOf(again, "ETag"), etag);

  HttpResponse changed =
      files_.Serve(Get("/js/app.js", {{"if-none-match", "\"other\""}}));
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, kScript);
}

TEST_F(StaticFilesTest, IfNoneMatchListsAndWeakTags) {
  EXPECT_TRUE(IfNoneMatchMatches("\"a\", \"b\"", "\"b\""));
  EXPECT_TRUE(IfNoneMatchMatches("W/\"b\"", "\"b\""));
  EXPECT_TRUE(IfNoneMatchMatches("*", "\"b\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"bb\"", "\"b\""));
  EXPECT_FALSE(IfNoneMatchMatches("", "\"b\""));
}

TEST_F(StaticFilesTest, HeadHasTheHeadersButNoBody) {
  HttpRequest request = Get("/");
  request.method = "HEAD";
  HttpResponse response = files_.Serve(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, IsEmpty());
  EXPECT_TRUE(HeaderOf(response, "ETag").has_value());
}

TEST_F(StaticFilesTest, AppRoutesServeIndexUnknownFilesAre404) {
  EXPECT_EQ(files_.Serve(Get("/tickets")).body, kIndex);
  EXPECT_EQ(files_.Serve(Get("/js/missing.js")).status, 404);
  EXPECT_EQ(files_.Serve(Get("/favicon.ico")).status, 404);
}

TEST_F(StaticFilesTest, TraversalAndOddPathsAreRefused) {
  for (const char* path :
       {"/../etc/passwd", "/js/../index.html", "/./index.html", "//index.html",
        "/js//app.js", "/%2e%2e/etc/passwd", "/js\\app.js", "/js/app.js/.."}) {
    EXPECT_EQ(files_.Serve(Get(path)).status, 400) << path;
  }
}

TEST(StaticFilesHandlesTest, OnlyGetAndHeadOutsideTheApi) {
  EXPECT_TRUE(StaticFiles::Handles("GET", "/"));
  EXPECT_TRUE(StaticFiles::Handles("HEAD", "/app.css"));
  EXPECT_TRUE(StaticFiles::Handles("GET", "/v1x"));
  EXPECT_FALSE(StaticFiles::Handles("POST", "/"));
  EXPECT_FALSE(StaticFiles::Handles("GET", "/v1/tickets"));
  EXPECT_FALSE(StaticFiles::Handles("GET", "/v1"));
  EXPECT_FALSE(StaticFiles::Handles("GET", "/healthz"));
  EXPECT_FALSE(StaticFiles::Handles("GET", "/readyz"));
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(ContentTypeFor("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("a/b.SVG"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("logo.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("blob"), "application/octet-stream");
}

// The embedded console itself: an index, modules, every file typed.
TEST(EmbeddedConsoleTest, HasIndexAndOnlyKnownTypes) {
  bool has_index = false;
  for (const web::EmbeddedFile& file : web::EmbeddedFiles()) {
    has_index |= file.path == "index.html";
    EXPECT_NE(ContentTypeFor({file.path.data(), file.path.size()}),
              "application/octet-stream")
        << file.path;
    EXPECT_FALSE(file.bytes.empty()) << file.path;
  }
  EXPECT_TRUE(has_index);
}

TEST(EmbeddedConsoleTest, IndexHasNoInlineScriptsOrStyles) {
  for (const web::EmbeddedFile& file : web::EmbeddedFiles()) {
    if (file.path != "index.html") continue;
    const std::string html(file.bytes);
    EXPECT_THAT(html, Not(HasSubstr("<style")));
    EXPECT_THAT(html, Not(HasSubstr(" style=")));
    EXPECT_THAT(html, Not(HasSubstr(" onclick=")));
    EXPECT_THAT(html, HasSubstr("<script type=\"module\" src="));
    EXPECT_THAT(html, Not(HasSubstr("<script>")));
  }
}

}  // namespace
}  // namespace helpdesk::gateway
