/*
 * The abstract memory backend: properties every backend has, the checks
 * QEMU makes when one is completed or reused, and access for machines.
 */
#include "hostmem-internal.h"

/* QEMU refuses 0 when the property is set, and "size" is mandatory. */
static bool host_memory_backend_set_size(Object *obj, const Property *prop,
                                         json_t *value, GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);
    json_int_t v;

    if (!json_is_integer(value) || (v = json_integer_value(value)) < 0) {
        kite_error_set(errp, "Parameter '%s' expects a size value",
                       prop->name);
        return false;
    }
    if (v == 0) {
        kite_error_set(errp, "property '%s' of %s doesn't take value '0'",
                       prop->name, object_get_typename(obj));
        return false;
    }
    b->size = (uint64_t)v;
    b->size_set = true;
    return true;
}

static const Property host_memory_backend_props[] = {
    { .name = "size", .kind = PROP_KIND_SIZE,
      .offset = offsetof(HostMemoryBackend, size),
      .description = "Size of the memory region (ex: 500M)",
      .has_default = true, .defval.u = 0,
      .set = host_memory_backend_set_size },
    { .name = "share", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, share),
      .description = "Mark the memory as private to QEMU or shared",
      .has_default = true, .defval.b = false },
    { .name = "prealloc", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, prealloc),
      .description = "Preallocate memory",
      .has_default = true, .defval.b = false },
    { .name = "merge", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, merge),
      .description = "Mark memory as mergeable",
      .has_default = true, .defval.b = true },
    { .name = "dump", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, dump),
      .description = "Set to 'off' to exclude from core dump",
      .has_default = true, .defval.b = true },
    { .name = "reserve", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, reserve),
      .description = "Reserve swap space (or huge pages) if applicable",
      .has_default = true, .defval.b = true },
    DEFINE_PROP_END_OF_LIST(),
};

/* Like QEMU, a backend's configuration is fixed once its memory exists. */
static bool host_memory_backend_check_set(Object *obj, const Property *prop,
                                          GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);

    if (b->ram_block && !prop->settable_after_realize) {
        kite_error_set(errp, "cannot change property %s of %s", prop->name,
                       object_get_typename(obj));
        return false;
    }
    return true;
}

static void host_memory_backend_class_init(ObjectClass *klass,
                                           const void *data)
{
    klass->user_creatable = true;
    klass->check_property_set = host_memory_backend_check_set;
}

static void host_memory_backend_finalize(Object *obj)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);

    if (b->ram_block && b->discard_data && b->ram_block->ref == 1) {
        /* discard-data=on: the file's contents are not worth keeping;
         * failing here only means the data stays */
        ram_block_discard_range(b->ram_block, 0, b->ram_block->size, NULL);
    }
    ram_block_unref(b->ram_block);
    b->ram_block = NULL;
}

static const TypeInfo host_memory_backend_info = {
    .name = TYPE_MEMORY_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(HostMemoryBackend),
    .description = "memory backend: host memory for guest RAM",
    .class_init = host_memory_backend_class_init,
    .instance_finalize = host_memory_backend_finalize,
    .props = host_memory_backend_props,
};

static void host_memory_backend_register_types(void)
{
    type_register(&host_memory_backend_info);
}
type_init(host_memory_backend_register_types)

bool host_memory_backend_alloc(Object *obj, RAMBlockParams *params,
                               GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);

    if (b->ram_block) {
        return true;
    }
    if (!b->size_set) {
        /* what QEMU's -object parser says when size= is left out */
        kite_error_set(errp, "Parameter 'size' is missing");
        return false;
    }
    if (!b->size) {
        kite_error_set(errp, "can't create backend with size 0");
        return false;
    }
    params->name = obj->name ? obj->name : object_get_typename(obj);
    params->size = b->size;
    params->prealloc = b->prealloc;
    params->merge = b->merge;
    params->dontdump = !b->dump;
    params->noreserve = !b->reserve;
    b->ram_block = ram_block_new(params, errp);
    return b->ram_block != NULL;
}

static HostMemoryBackend *backend_cast(Object *obj)
{
    return obj && object_dynamic_cast(obj, TYPE_MEMORY_BACKEND) ?
           (HostMemoryBackend *)obj : NULL;
}

RAMBlock *host_memory_backend_get_ram_block(Object *backend)
{
    HostMemoryBackend *b = backend_cast(backend);

    return b ? b->ram_block : NULL;
}

uint64_t host_memory_backend_get_size(Object *backend)
{
    HostMemoryBackend *b = backend_cast(backend);

    return b ? b->size : 0;
}

bool host_memory_backend_claim(Object *backend, GError **errp)
{
    HostMemoryBackend *b = backend_cast(backend);
    const char *id = backend && backend->name ? backend->name : "";

    if (!b) {
        kite_error_set(errp, "object '%s' is not a memory backend", id);
        return false;
    }
    if (b->claimed) {
        kite_error_set(errp, "memory backend '%s' can't be used multiple "
                       "times.", id);
        return false;
    }
    if (!b->ram_block) {
        kite_error_set(errp, "memory backend '%s' has no memory yet", id);
        return false;
    }
    b->claimed = true;
    return true;
}
