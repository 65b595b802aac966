/*
 * Service-signal delivery: the SCLP raises it for the whole configuration;
 * under qtest it is queued on CPU 0, under KVM the accelerator injects it.
 */
#include "kite/s390x/cpu.h"

static S390ServiceInjectFn *service_injector;

void s390_set_service_injector(S390ServiceInjectFn *fn)
{
    service_injector = fn;
}

void s390_sclp_extint(uint32_t param)
{
    if (service_injector) {
        service_injector(param);
        return;
    }
    S390CPU *cpu = s390_cpu_get(0);
    if (cpu) {
        s390_cpu_inject_ext(cpu, S390_EXT_SERVICE, param);
    }
}
