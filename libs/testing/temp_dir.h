#ifndef HELPDESK_LIBS_TESTING_TEMP_DIR_H_
#define HELPDESK_LIBS_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <string>

namespace helpdesk::testing {

// A fresh, empty directory for one test (under Bazel's TEST_TMPDIR), removed
// with its contents when the object is destroyed.
class TempDir final {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // `path()/name` as a string, e.g. for a database file.
  std::string File(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_TEMP_DIR_H_
