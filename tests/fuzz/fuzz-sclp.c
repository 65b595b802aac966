/*
 * libFuzzer harness for the SCLP: the input chooses the command word, the
 * SCCB address, the CPU's problem state and prefix, and supplies the SCCB
 * bytes written into guest RAM before the service call runs.  Anything a
 * guest can put in an SCCB must leave the model standing.
 *
 * Input: u32 command word, u32 address, u8 flags (bit 0 problem state,
 * bit 1 move the prefix to 0x10000), then the SCCB image.
 */
#include "kite/memory.h"
#include "kite/chardev.h"
#include "kite/s390x/event-facility.h"

#define FUZZ_RAM (16 * MiB)

static SCLPDevice *fuzz_sclp;
static S390CPU *fuzz_cpu;

static void fuzz_init(void)
{
    GError *err = NULL;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);

    memory_system_init();
    if (!memory_region_init_ram(ram, NULL, "fuzz.ram", FUZZ_RAM, &err)) {
        g_error("RAM: %s", err->message);
    }
    memory_region_add_subregion(get_system_memory(), 0, ram);
    if (!cpu_create("max", 0, &err)) {
        g_error("CPU: %s", err->message);
    }
    fuzz_cpu = s390_cpu_get(0);
    DeviceState *dev = qdev_new(TYPE_SCLP);
    SCLP(dev)->ram_size = FUZZ_RAM;
    if (!qdev_realize(dev, &err)) {
        g_error("SCLP: %s", err->message);
    }
    fuzz_sclp = SCLP(dev);

    /* Both consoles on null chardevs, so event buffers reach them. */
    static const char *const consoles[] = { TYPE_SCLP_CONSOLE,
                                            TYPE_SCLP_LM_CONSOLE };
    for (size_t i = 0; i < G_N_ELEMENTS(consoles); i++) {
        g_autofree char *id = g_strdup_printf("fuzz%zu", i);
        if (!chardev_new_from_spec(id, "null", &err)) {
            g_error("chardev: %s", err->message);
        }
        DeviceState *con = qdev_new(consoles[i]);
        if (!object_property_set_str(OBJECT(con), "chardev", id, &err) ||
            !qdev_realize_and_unref(con, &err)) {
            g_error("%s: %s", consoles[i], err->message);
        }
    }
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_sclp) {
        fuzz_init();
    }
    if (size < 9) {
        return 0;
    }
    uint32_t cmd = rd32(data);
    uint32_t addr32 = rd32(data + 4);
    uint8_t flags = data[8];
    const uint8_t *sccb = data + 9;
    size_t len = MIN(size - 9, (size_t)SCCB_MAX_EXTENDED);

    /* Mostly addresses inside RAM, sometimes anywhere in 32 bits. */
    uint64_t addr = (flags & 4) ? addr32 : addr32 % (FUZZ_RAM + 0x2000);
    if (addr < FUZZ_RAM && len) {
        uint64_t n = MIN((uint64_t)len, FUZZ_RAM - addr);
        dma_memory_write(address_space_memory(), addr, sccb, n, NULL);
    }
    fuzz_cpu->problem_state = flags & 1;
    fuzz_cpu->prefix = (flags & 2) ? 0x10000 : 0;
    fuzz_cpu->extended_length_sccb = flags & 8;

    int r = sclp_service_call(fuzz_sclp, fuzz_cpu, cmd, addr);
    if (r > 0 || (r < 0 && r != -S390_PGM_PRIVILEGED &&
                  r != -S390_PGM_ADDRESSING &&
                  r != -S390_PGM_SPECIFICATION)) {
        __builtin_trap();
    }
    S390ExtInt e;
    while (s390_cpu_pop_ext(fuzz_cpu, &e)) {
        if (e.code != S390_EXT_SERVICE) {
            __builtin_trap();
        }
    }
    return 0;
}
