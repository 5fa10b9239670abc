#ifndef HELPDESK_LIBS_RPC_SHUTDOWN_SIGNAL_H_
#define HELPDESK_LIBS_RPC_SHUTDOWN_SIGNAL_H_

namespace helpdesk::rpc {

// Graceful shutdown on SIGINT/SIGTERM without async-signal-unsafe handlers:
// main() blocks both signals before it starts any thread (threads inherit
// the mask), starts its servers, then waits for one of them here and shuts
// down in an orderly way.
void BlockShutdownSignals();

// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int WaitForShutdownSignal();

}  // namespace helpdesk::rpc

#endif  // HELPDESK_LIBS_RPC_SHUTDOWN_SIGNAL_H_
