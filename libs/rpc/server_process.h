#ifndef HELPDESK_LIBS_RPC_SERVER_PROCESS_H_
#define HELPDESK_LIBS_RPC_SERVER_PROCESS_H_

namespace helpdesk::rpc {

// Process-wide settings every server binary applies first thing in main(),
// before any thread starts:
//  - SIGINT/SIGTERM blocked in every thread (see BlockShutdownSignals), so
//    that ServeUntilShutdownSignal receives them;
//  - Abseil's mutex deadlock detection off. Debian builds Abseil without
//    NDEBUG, which leaves it on: every Mutex acquisition then updates a
//    process-wide lock graph under a global lock (seen at several percent of
//    a profile under load). Tests keep it on.
void PrepareServerProcess();

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SERVER_PROCESS_H_
