/*
 * libFuzzer harness for the qtest line protocol: the input is split into
 * lines, each run through qtest_process_line over a small memory map
 * (64 KiB of RAM at 0, the x86 port space with nothing in it) under the
 * qtest accelerator, so every built-in command is reachable.
 */
#include "kite/qtest.h"
#include "kite/accel.h"
#include "kite/memory.h"

#include <stdlib.h>

static void fuzz_setup(void)
{
    static MemoryRegion ram;
    static bool done;
    const AccelOps *ops = accel_find("qtest");
    GError *err = NULL;

    if (done) {
        return;
    }
    done = true;
    memory_system_init();
    if (!memory_region_init_ram(&ram, NULL, "fuzz-ram", 64 * KiB, &err)) {
        abort();
    }
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    /* Big sizes only cost time: keep them small. */
    qtest_set_size_limits(256 * KiB, 1 * MiB);
    if (ops && ops->init(NULL, &err)) {
        accel_set_current(ops);
    }
    g_clear_error(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;

    fuzz_setup();
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        /* Lines stop at a NUL, as a C string would. */
        char *line = g_strndup((const char *)data + start, end - start);
        char *reply = qtest_process_line(line);

        /* Every reply is OK..., FAIL..., ERR..., or IRQ lines then one. */
        if (!reply || !(g_str_has_prefix(reply, "OK") ||
                        g_str_has_prefix(reply, "FAIL ") ||
                        g_str_has_prefix(reply, "ERR ") ||
                        g_str_has_prefix(reply, "IRQ "))) {
            abort();
        }
        g_free(reply);
        g_free(line);
        start = end + 1;
    }
    return 0;
}
