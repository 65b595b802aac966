/*
 * memory-backend-file: memory from a file, or from a new unlinked file in
 * a directory (a hugetlbfs mount gives huge pages).
 */
#include "hostmem-internal.h"

static const Property file_backend_props[] = {
    { .name = "mem-path", .kind = PROP_KIND_STRING,
      .offset = offsetof(HostMemoryBackend, mem_path),
      .description = "File to be used as backing store" },
    { .name = "readonly", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, readonly),
      .description = "Open and map the file read-only (guest RAM is ROM)",
      .has_default = true, .defval.b = false },
    { .name = "discard-data", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, discard_data),
      .description = "Discard the file's contents when the backend goes",
      .has_default = true, .defval.b = false },
    DEFINE_PROP_END_OF_LIST(),
};

static bool file_backend_complete(Object *obj, GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);
    RAMBlockParams params = {
        .share = b->share, .mem_path = b->mem_path, .readonly = b->readonly,
    };

    /* QEMU's -object parser checks the size first, then the path. */
    if (b->size_set && !b->mem_path) {
        kite_error_set(errp, "Parameter 'mem-path' is missing");
        return false;
    }
    return host_memory_backend_alloc(obj, &params, errp);
}

static void file_backend_class_init(ObjectClass *klass, const void *data)
{
    klass->complete = file_backend_complete;
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackend),
    .description = "file host memory",
    .class_init = file_backend_class_init,
    .props = file_backend_props,
};

static void file_backend_register_types(void)
{
    type_register(&file_backend_info);
}
type_init(file_backend_register_types)
