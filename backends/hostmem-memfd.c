/*
 * memory-backend-memfd: memory from memfd_create, shared by default (as in
 * QEMU) so that other processes can map it; optionally huge pages.
 */
#include "hostmem-internal.h"

static const Property memfd_backend_props[] = {
    { .name = "share", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, share),
      .description = "Mark the memory as private to QEMU or shared",
      .has_default = true, .defval.b = true },
    { .name = "hugetlb", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, hugetlb),
      .description = "Use huge pages",
      .has_default = true, .defval.b = false },
    { .name = "hugetlbsize", .kind = PROP_KIND_SIZE,
      .offset = offsetof(HostMemoryBackend, hugetlbsize),
      .description = "Huge pages size (ex: 2M, 1G)",
      .has_default = true, .defval.u = 0 },
    { .name = "seal", .kind = PROP_KIND_BOOL,
      .offset = offsetof(HostMemoryBackend, seal),
      .description = "Seal growing & shrinking",
      .has_default = true, .defval.b = true },
    DEFINE_PROP_END_OF_LIST(),
};

static bool memfd_backend_complete(Object *obj, GError **errp)
{
    HostMemoryBackend *b = HOST_MEMORY_BACKEND(obj);
    RAMBlockParams params = {
        .share = b->share, .memfd = true,
        .hugetlb = b->hugetlb, .hugetlbsize = b->hugetlbsize,
        .seal = b->seal,
    };

    return host_memory_backend_alloc(obj, &params, errp);
}

static void memfd_backend_class_init(ObjectClass *klass, const void *data)
{
    klass->complete = memfd_backend_complete;
}

static const TypeInfo memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackend),
    .description = "memfd host memory",
    .class_init = memfd_backend_class_init,
    .props = memfd_backend_props,
};

static void memfd_backend_register_types(void)
{
    type_register(&memfd_backend_info);
}
type_init(memfd_backend_register_types)
