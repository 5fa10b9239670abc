#ifndef HELPDESK_LIBS_TESTING_FREE_PORT_H_
#define HELPDESK_LIBS_TESTING_FREE_PORT_H_

namespace helpdesk::testing {

// A loopback TCP port nobody listens on right now (the kernel's pick for a
// bound-then-closed socket), for tests that must know a server's port
// before the server starts. Aborts if no port can be had.
int PickUnusedPort();

}  // namespace helpdesk::testing

#endif  // HELPDESK_LIBS_TESTING_FREE_PORT_H_
