#ifndef HELPDESK_LIBS_RPC_SERVER_PROCESS_H_
#define HELPDESK_LIBS_RPC_SERVER_PROCESS_H_

#include "absl/strings/string_view.h"

namespace helpdesk::rpc {

// Parses the command line of a Helpdesk binary. `--help` lists every flag
// the program defines, wherever it is defined (Abseil's default lists only
// flags of a file named like the program, so our binaries listed nothing
// and only `--helpfull` helped); Abseil's own flags stay under
// `--helpfull`. `usage` is the first line of the help text.
void ParseServerCommandLine(int argc, char** argv, absl::string_view usage);

// Process-wide settings every server binary applies first thing in main(),
// before any thread starts:
//  - SIGINT/SIGTERM blocked in every thread (see BlockShutdownSignals), so
//    that ServiceMain (and helpdeskd's main) receive them;
//  - Abseil's mutex deadlock detection off. Debian builds Abseil without
//    NDEBUG, which leaves it on: every Mutex acquisition then updates a
//    process-wide lock graph under a global lock (seen at several percent of
//    a profile under load). Tests keep it on.
void PrepareServerProcess();

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SERVER_PROCESS_H_
