#ifndef HELPDESK_GATEWAY_STATIC_FILES_H_
#define HELPDESK_GATEWAY_STATIC_FILES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "gateway/http_message.h"

namespace helpdesk::gateway {

// The web console's files (embedded in the binary, see
// //tools/bazel:embedded_files.bzl), served to browsers:
//
//  - `/` is index.html; other paths name a file below the embedded folder;
//    an unknown path without an extension (an app route) is index.html too,
//    an unknown file is 404;
//  - Content-Type from the extension; a strong ETag (SHA-256 of the bytes,
//    computed once here) with `If-None-Match` answered 304;
//    `Cache-Control: no-cache`, so browsers keep copies but revalidate;
//  - a strict Content-Security-Policy (scripts, styles, fetches only from
//    this origin; no inline code, no framing), `nosniff`,
//    `Referrer-Policy: no-referrer`;
//  - dot segments, empty segments, backslashes and percent-encoding in the
//    path are refused (400): nothing outside the table is reachable anyway,
//    but such paths are never what the console asks for.
//
// The API keeps its own answers: Handles() is false for /v1/..., /healthz
// and /readyz, and for methods other than GET and HEAD.
//
// Immutable after construction; thread-safe.
class StaticFiles final {
 public:
  struct File {
    absl::string_view path;   // e.g. "js/app.js"
    absl::string_view bytes;  // must outlive this object
  };

  explicit StaticFiles(const std::vector<File>& files);

  // Whether a request with this method and path is the console's to answer.
  static bool Handles(absl::string_view method, absl::string_view path);

  // The answer to a GET or HEAD (no body) for `request`.
  HttpResponse Serve(const HttpRequest& request) const;

  // The Content-Security-Policy every file goes out with.
  static constexpr char kContentSecurityPolicy[] =
      "default-src 'self'; script-src 'self'; style-src 'self'; "
      "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
      "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
      "form-action 'self'";

 private:
  struct Entry {
    absl::string_view bytes;
    std::string content_type;
    std::string etag;  // quoted
  };

  const Entry* Find(absl::string_view path) const;

  absl::flat_hash_map<std::string, Entry> files_;
};

// The MIME type for a file name's extension ("application/octet-stream"
// when unknown); text types carry `charset=utf-8`.
std::string ContentTypeFor(absl::string_view file_name);

// True when an If-None-Match header value matches `etag` (a quoted strong
// tag): "*", or any listed tag compared weakly (W/ ignored), per RFC 9110.
bool IfNoneMatchMatches(absl::string_view header, absl::string_view etag);

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_STATIC_FILES_H_
