/*
 * Read SCP Info and Read CPU Info: the guest learns its memory (as a count
 * of equal increments) and its CPUs.
 */
#include "kite/s390x/sclp.h"
#include "kite/machine.h"

static unsigned sclp_cpus_configured(void)
{
    MachineState *ms = current_machine_get();
    return ms ? ms->smp_cpus : (unsigned)cpu_count();
}

static unsigned sclp_cpus_max(void)
{
    MachineState *ms = current_machine_get();
    unsigned n = ms ? ms->max_cpus : 0;
    unsigned c = sclp_cpus_configured();
    return n > c ? n : c;
}

size_t sclp_read_scp_info_len(void)
{
    return SCLP_READ_SCP_INFO_FIXED_CPU_OFFSET +
           sclp_cpus_max() * sizeof(CPUEntry);
}

size_t sclp_read_cpu_info_len(void)
{
    return sizeof(ReadCpuInfo) + sclp_cpus_max() * sizeof(CPUEntry);
}

/*
 * Too short for the reply: 0x0300, and with the extended-length facility
 * and a variable-length request the required length is returned.
 */
static bool sclp_check_length(S390CPU *cpu, uint8_t *sccb, size_t len,
                              size_t required)
{
    if (len >= required) {
        return true;
    }
    if (cpu->extended_length_sccb &&
        (sccb[offsetof(SCCBHeader, control_mask) + 2] &
         SCLP_VARIABLE_LENGTH_RESPONSE)) {
        sclp_st16(sccb + offsetof(SCCBHeader, length), (uint16_t)required);
    }
    sclp_set_rc(sccb, SCLP_RC_INSUFFICIENT_SCCB_LENGTH);
    return false;
}

/* Configured CPUs as 16-byte entries at @entries; returns the count. */
static unsigned sclp_fill_cpu_entries(uint8_t *entries)
{
    unsigned n = sclp_cpus_configured();
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = entries + i * sizeof(CPUEntry);
        memset(e, 0, sizeof(CPUEntry));
        e[offsetof(CPUEntry, address)] = (uint8_t)i;
        e[offsetof(CPUEntry, type)] = 0;   /* general-purpose CP */
    }
    return n;
}

void sclp_read_scp_info(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb,
                        size_t len)
{
    size_t required = sclp_read_scp_info_len();
    if (!sclp_check_length(cpu, sccb, len, required)) {
        return;
    }
    memset(sccb + sizeof(SCCBHeader), 0, required - sizeof(SCCBHeader));

    unsigned shift = sclp_increment_shift(sclp->ram_size);
    uint64_t rnsize = 1ULL << (shift - 20);       /* MiB per increment */
    uint64_t rnmax = sclp->ram_size >> shift;
    if (rnsize <= 128) {
        sccb[offsetof(ReadInfo, rnsize)] = (uint8_t)rnsize;
    } else {
        sclp_st32(sccb + offsetof(ReadInfo, rnsize2), (uint32_t)rnsize);
    }
    if (rnmax < 0x10000) {
        sclp_st16(sccb + offsetof(ReadInfo, rnmax), (uint16_t)rnmax);
    } else {
        sclp_st64(sccb + offsetof(ReadInfo, rnmax2), rnmax);
    }

    unsigned n = sclp_fill_cpu_entries(sccb +
                                       SCLP_READ_SCP_INFO_FIXED_CPU_OFFSET);
    sclp_st16(sccb + offsetof(ReadInfo, entries_cpu), (uint16_t)n);
    sclp_st16(sccb + offsetof(ReadInfo, offset_cpu),
              SCLP_READ_SCP_INFO_FIXED_CPU_OFFSET);
    sclp_st16(sccb + offsetof(ReadInfo, highest_cpu),
              (uint16_t)(sclp_cpus_max() - 1));
    sclp_st64(sccb + offsetof(ReadInfo, facilities), SCLP_HAS_CPU_INFO);
    sclp_set_rc(sccb, SCLP_RC_NORMAL_READ_COMPLETION);
}

void sclp_read_cpu_info(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb,
                        size_t len)
{
    size_t required = sclp_read_cpu_info_len();
    if (!sclp_check_length(cpu, sccb, len, required)) {
        return;
    }
    memset(sccb + sizeof(SCCBHeader), 0, required - sizeof(SCCBHeader));
    unsigned n = sclp_fill_cpu_entries(sccb + sizeof(ReadCpuInfo));
    sclp_st16(sccb + offsetof(ReadCpuInfo, nr_configured), (uint16_t)n);
    sclp_st16(sccb + offsetof(ReadCpuInfo, offset_configured),
              sizeof(ReadCpuInfo));
    sclp_st16(sccb + offsetof(ReadCpuInfo, nr_standby),
              (uint16_t)(sclp_cpus_max() - n));
    sclp_st16(sccb + offsetof(ReadCpuInfo, offset_standby),
              (uint16_t)(sizeof(ReadCpuInfo) + n * sizeof(CPUEntry)));
    sclp_set_rc(sccb, SCLP_RC_NORMAL_READ_COMPLETION);
}
