/*
 * vCPU create/destroy benchmark (issue 3): time of kvm_vm_create plus N
 * kvm_vcpu_create (threads started and parked, as Kite runs them), and of
 * kvm_vm_destroy, for N = 1, 8 and 64.  On the real KVM by default; with
 * --fake against the recording fake ioctl layer (a figure for machines
 * without /dev/kvm, labelled as such: it measures Kite's own work only).
 *
 *     bench-vcpus [--fake] [--reps R] [--csv] [N...]
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl-fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool one_cycle(unsigned n, double *create_ms, double *destroy_ms,
                      GError **errp)
{
    double t0 = now_ms();
    KVMState *s = kvm_vm_create(n, errp);

    if (!s) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!kvm_vcpu_create(s, NULL, i, true, errp)) {
            kvm_vm_destroy(s);
            return false;
        }
    }
    *create_ms = now_ms() - t0;
    t0 = now_ms();
    kvm_vm_destroy(s);
    *destroy_ms = now_ms() - t0;
    return true;
}

int main(int argc, char **argv)
{
    unsigned counts[8] = { 1, 8, 64 }, ncounts = 3, reps = 5;
    bool fake = false, csv = false, user_counts = false;
    GError *err = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fake")) {
            fake = true;
        } else if (!strcmp(argv[i], "--csv")) {
            csv = true;
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = (unsigned)strtoul(argv[++i], NULL, 0);
        } else if (argv[i][0] >= '1' && argv[i][0] <= '9' &&
                   (!user_counts || ncounts < G_N_ELEMENTS(counts))) {
            if (!user_counts) {
                ncounts = 0;
                user_counts = true;
            }
            counts[ncounts++] = (unsigned)strtoul(argv[i], NULL, 0);
        } else {
            fprintf(stderr, "usage: %s [--fake] [--reps R] [--csv] [N...]\n",
                    argv[0]);
            return 2;
        }
    }
    if (reps == 0) {
        fprintf(stderr, "bench-vcpus: --reps must be positive\n");
        return 2;
    }
    if (fake) {
        kvm_fake_install();
        kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 288);
        kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, 32764);
        kvm_fake_set_cap(KVM_CAP_IMMEDIATE_EXIT, 1);
    }
    if (csv) {
        printf("kvm,vcpus,create_ms,destroy_ms,create_ms_per_vcpu\n");
    } else {
        printf("# vCPU create/destroy, %s, median of %u\n",
               fake ? "FAKE ioctl layer (Kite's own work only)"
                    : "real KVM", reps);
        printf("%6s %12s %12s %14s\n", "vcpus", "create ms", "destroy ms",
               "create/vcpu");
    }
    for (unsigned c = 0; c < ncounts; c++) {
        g_autofree double *cr = g_new(double, reps);
        g_autofree double *de = g_new(double, reps);
        double mc, md;

        for (unsigned r = 0; r < reps; r++) {
            if (fake) {
                kvm_fake_clear_calls();
            }
            if (!one_cycle(counts[c], &cr[r], &de[r], &err)) {
                fprintf(stderr, "bench-vcpus: %u vCPUs: %s\n", counts[c],
                        err->message);
                g_error_free(err);
                return 1;
            }
        }
        mc = median(cr, reps);
        md = median(de, reps);
        if (csv) {
            printf("%s,%u,%.3f,%.3f,%.3f\n", fake ? "fake" : "real",
                   counts[c], mc, md, mc / counts[c]);
        } else {
            printf("%6u %12.3f %12.3f %14.3f\n", counts[c], mc, md,
                   mc / counts[c]);
        }
    }
    if (fake) {
        kvm_fake_uninstall();
    }
    return 0;
}
