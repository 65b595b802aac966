/* isa-debug-exit: writing 0x21 must end Kite with status 0x43. */
#include "guest.h"

int guest_main(uint32_t magic, uint32_t info)
{
    guest_printf("exitcode: leaving with 0x21\n");
    return 0x21;
}
