/* The accelerator registry: kvm and qtest register their AccelOps. */
#include "kite/accel.h"

#define ACCEL_MAX 8

static const AccelOps *accels[ACCEL_MAX];
static size_t n_accels;
static const AccelOps *current;

void accel_register(const AccelOps *ops)
{
    g_assert(n_accels < ACCEL_MAX);
    g_assert(!accel_find(ops->name));
    accels[n_accels++] = ops;
}

const AccelOps *accel_find(const char *name)
{
    for (size_t i = 0; i < n_accels; i++) {
        if (!strcmp(accels[i]->name, name)) {
            return accels[i];
        }
    }
    return NULL;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names of the registered accelerators, sorted; for `-accel help`. */
GPtrArray *accel_names(void)
{
    GPtrArray *names = g_ptr_array_new();

    for (size_t i = 0; i < n_accels; i++) {
        g_ptr_array_add(names, (gpointer)accels[i]->name);
    }
    g_ptr_array_sort(names, compare_names);
    return names;
}

const AccelOps *current_accel(void)
{
    return current;
}

void accel_set_current(const AccelOps *ops)
{
    current = ops;
}

bool kvm_enabled(void)
{
    return current && !strcmp(current->name, "kvm");
}
