/*
 * The big lock: device state is touched by the main loop and by vCPU
 * threads (on exits); whoever touches it holds this lock.  The main thread
 * holds it all the time except while it sleeps in poll().
 */
#ifndef KITE_BQL_H
#define KITE_BQL_H

#include "kite/common.h"

void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);
/* Make the main loop drop the lock while it polls (KVM only: with qtest
 * there are no other threads). */
void bql_install_main_loop_hook(void);

#endif
