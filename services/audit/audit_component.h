#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/token_resolver.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_service.h"
#include "services/audit/audit_store.h"

namespace helpdesk::audit {

struct AuditComponentOptions {
  std::string data_dir;
  std::string service_token;
  // Empty: derived from service_token (paging::PageTokenKey).
  std::string page_token_key;
  // Read-only connections to audit.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
};

// Wires the audit service: opens audit.db and builds the service.
// audit_server and helpdeskd both assemble audit through this class.
class AuditComponent final {
 public:
  static absl::StatusOr<std::unique_ptr<AuditComponent>> Create(
      AuditComponentOptions options, const Clock* clock);

  AuditServiceImpl* service() { return service_.get(); }
  AuditStore* store() { return store_.get(); }

  // Starts a server for audit alone: the service behind the auth
  // interceptor, resolving callers through `resolver` (not owned).
  absl::StatusOr<std::unique_ptr<rpc::RpcServer>> Serve(
      rpc::ServerOptions options, auth::TokenResolver* resolver);

 private:
  AuditComponent() = default;

  AuditComponentOptions options_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<AuditServiceImpl> service_;
};

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_
