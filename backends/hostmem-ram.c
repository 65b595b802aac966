/* memory-backend-ram: anonymous memory, private or (share=on) shared. */
#include "hostmem-internal.h"

static bool ram_backend_complete(Object *obj, GError **errp)
{
    RAMBlockParams params = { .share = HOST_MEMORY_BACKEND(obj)->share };

    return host_memory_backend_alloc(obj, &params, errp);
}

static void ram_backend_class_init(ObjectClass *klass, const void *data)
{
    klass->complete = ram_backend_complete;
}

static const TypeInfo ram_backend_info = {
    .name = TYPE_MEMORY_BACKEND_RAM,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackend),
    .description = "anonymous host memory",
    .class_init = ram_backend_class_init,
};

static void ram_backend_register_types(void)
{
    type_register(&ram_backend_info);
}
type_init(ram_backend_register_types)
