#include "gateway/static_files.h"

#include <openssl/sha.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/http_message.h"

namespace helpdesk::gateway {
namespace {

constexpr char kIndex[] = "index.html";
constexpr char kApiPrefix[] = "/v1/";

struct Type {
  const char* extension;
  const char* mime;
};
constexpr Type kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"txt", "text/plain; charset=utf-8"},
    {"woff2", "font/woff2"},
};

std::string StrongEtag(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  // 128 bits are plenty to tell versions apart.
  return "\"" +
         absl::BytesToHexString(absl::string_view(
             reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH / 2)) +
         "\"";
}

// The extension of the last segment, "" when it has none.
absl::string_view Extension(absl::string_view path) {
  const size_t slash = path.rfind('/');
  const absl::string_view name =
      slash == absl::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  return dot == absl::string_view::npos ? "" : name.substr(dot + 1);
}

// Paths the console never asks for: dot or empty segments, backslashes,
// percent-encoding, control characters.
bool IsCleanPath(absl::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  for (char c : path) {
    if (c == '\\' || c == '%' || static_cast<unsigned char>(c) < 0x21 ||
        static_cast<unsigned char>(c) > 0x7e) {
      return false;
    }
  }
  if (path == "/") return true;
  for (absl::string_view segment :
       absl::StrSplit(path.substr(1), absl::ByChar('/'))) {
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

HttpResponse PlainError(int status, absl::string_view text) {
  HttpResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "text/plain; charset=utf-8");
  response.AddHeader("Cache-Control", "no-store");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  response.AddHeader("Content-Security-Policy",
                     StaticFiles::kContentSecurityPolicy);
  response.body = std::string(text);
  return response;
}

}  // namespace

std::string ContentTypeFor(absl::string_view file_name) {
  const std::string extension = absl::AsciiStrToLower(Extension(file_name));
  for (const Type& type : kTypes) {
    if (extension == type.extension) return type.mime;
  }
  return "application/octet-stream";
}

bool IfNoneMatchMatches(absl::string_view header, absl::string_view etag) {
  for (absl::string_view tag : absl::StrSplit(header, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag) return true;
  }
  return false;
}

StaticFiles::StaticFiles(const std::vector<File>& files) {
  for (const File& file : files) {
    files_.emplace(
        std::string(file.path),
        Entry{file.bytes, ContentTypeFor(file.path), StrongEtag(file.bytes)});
  }
}

bool StaticFiles::Handles(absl::string_view method, absl::string_view path) {
  if (method != "GET" && method != "HEAD") return false;
  return path != "/v1" && !absl::StartsWith(path, kApiPrefix) &&
         path != "/healthz" && path != "/readyz";
}

const StaticFiles::Entry* StaticFiles::Find(absl::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

HttpResponse StaticFiles::Serve(const HttpRequest& request) const {
  const absl::string_view path = request.path();
  if (!IsCleanPath(path)) return PlainError(400, "Malformed path.\n");
  const Entry* entry =
      path == "/" ? Find(kIndex) : Find(path.substr(1));  // without the '/'
  if (entry == nullptr && Extension(path).empty()) {
    entry = Find(kIndex);  // an app route: the console routes it
  }
  if (entry == nullptr) return PlainError(404, "Not found.\n");

  HttpResponse response;
  response.AddHeader("ETag", entry->etag);
  response.AddHeader("Cache-Control", "no-cache");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  response.AddHeader("Content-Security-Policy", kContentSecurityPolicy);
  response.AddHeader("Referrer-Policy", "no-referrer");
  response.AddHeader("X-Frame-Options", "DENY");
  response.AddHeader("Cross-Origin-Opener-Policy", "same-origin");
  std::optional<absl::string_view> if_none_match =
      request.Header("if-none-match");
  if (if_none_match.has_value() &&
      IfNoneMatchMatches(*if_none_match, entry->etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.AddHeader("Content-Type", entry->content_type);
  if (request.method != "HEAD") response.body = std::string(entry->bytes);
  return response;
}

}  // namespace helpdesk::gateway
