/*
 * Jump to an address no memory backs: KVM cannot fetch the instruction
 * and reports an internal error.  Kite must print the registers and exit
 * with status 1, not hang.
 */
#include "guest.h"

int guest_main(uint32_t magic, uint32_t info)
{
    guest_printf("fatal: jumping to 0xd0000000\n");
    ((void (*)(void))0xd0000000u)();
    guest_printf("fatal: came back\n");
    return 1;
}
