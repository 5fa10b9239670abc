#include "libs/testing/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace helpdesk::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      (std::filesystem::path(base != nullptr ? base : "/tmp") /
       "helpdesk-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const {
  return (path_ / name).string();
}

}  // namespace helpdesk::testing
