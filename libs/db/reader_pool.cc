#include "libs/db/reader_pool.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/database.h"
#include "libs/status/status_macros.h"

namespace helpdesk::db {

absl::StatusOr<std::unique_ptr<ReaderPool>> ReaderPool::Open(
    const std::string& path, int size) {
  if (size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a reader pool needs at least one connection, not ", size));
  }
  std::vector<std::unique_ptr<Database>> readers;
  readers.reserve(size);
  for (int i = 0; i < size; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Database> reader,
                     Database::OpenReader(path));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<ReaderPool>(new ReaderPool(std::move(readers)));
}

ReaderPool::ReaderPool(std::vector<std::unique_ptr<Database>> readers)
    : size_(static_cast<int>(readers.size())), idle_(std::move(readers)) {}

ReaderPool::~ReaderPool() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &ReaderPool::AllIdleLocked));
}

ReaderPool::Lease ReaderPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &ReaderPool::HasIdleLocked));
  std::unique_ptr<Database> db = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(db));
}

void ReaderPool::Release(std::unique_ptr<Database> db) {
  // Outside the lock: resetting is the connection's own business.
  db->ResetStatements();
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(db));
}

ReaderPool::Lease::~Lease() { pool_->Release(std::move(db_)); }

}  // namespace helpdesk::db
