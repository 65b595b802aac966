/*
 * isa-debug-exit: a port that ends Kite with exit status (value << 1) | 1,
 * as QEMU's device does, so test kernels report pass or fail.
 */
#include "kite/qdev.h"
#include "kite/memory.h"
#include "kite/runstate.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

typedef struct DebugExitState {
    DeviceState parent_obj;
    uint32_t iobase, iosize;
    MemoryRegion io;
} DebugExitState;

#define DEBUG_EXIT(o) OBJECT_CHECK(DebugExitState, (o), TYPE_ISA_DEBUG_EXIT)

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    qemu_system_exit_request((int)((val << 1) | 1));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static bool debug_exit_realize(DeviceState *dev, GError **errp)
{
    DebugExitState *s = DEBUG_EXIT(dev);

    if (!s->iosize || s->iobase > 0xffff || s->iosize > 0x10000 - s->iobase) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "isa-debug-exit: ports 0x%x+%u are outside the I/O space",
                    s->iobase, s->iosize);
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &debug_exit_ops, s,
                          "isa-debug-exit", s->iosize);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    return true;
}

static void debug_exit_unrealize(DeviceState *dev)
{
    memory_region_del_subregion(get_system_io(), &DEBUG_EXIT(dev)->io);
}

static void debug_exit_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = debug_exit_realize;
    dc->unrealize = debug_exit_unrealize;
    dc->user_creatable = true;
    dc->category = "misc";
    dc->desc = "exit with status (value << 1) | 1 on a port write";
}

static const Property debug_exit_props[] = {
    DEFINE_PROP_UINT32("iobase", DebugExitState, iobase, 0x501),
    DEFINE_PROP_UINT32("iosize", DebugExitState, iosize, 0x02),
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo debug_exit_type = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(DebugExitState),
    .class_size = sizeof(DeviceClass),
    .class_init = debug_exit_class_init,
    .props = debug_exit_props,
};

static void debug_exit_register(void)
{
    type_register(&debug_exit_type);
}
type_init(debug_exit_register)
