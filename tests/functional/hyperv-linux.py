#!/usr/bin/env python3
"""A real Linux guest that sees Hyper-V (issue 5, "End to end"): Debian's
kernel (the one scripts/kvm-run boots as its emulated host) with the busybox
initramfs of scripts/build-guest-initramfs (kite.cmd=timers) runs on Kite
with -accel kvm and

    -cpu host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,
         hv-stimer-direct,kvm=off

It must log "Hypervisor detected: Microsoft Hyper-V", run on the
hyperv_clocksource_tsc_page clocksource, and its /proc/interrupts must show
the "HVS" line (Hyper-V stimer0 interrupts) growing between two samples a
second apart: Linux drives its clock events from stimer0 in direct mode.

Without hv-stimer-direct, CPUID 0x40000003 EDX bit 19 is clear (Linux logs
it in "misc"): Linux does not install its direct-mode vector, so there is
no growing HVS line; in message mode Linux takes stimer expiries only
through VMBus (hv_vmbus, which this guest does not have), so its clock
events come from the local APIC timer ("LOC" grows).

hv-frequencies is added to both: with kvm=off the guest has no kvm-clock,
so on an AMD host Linux can learn the TSC's rate only from the Hyper-V
frequency MSRs or by calibrating against the PIT with the HPET or ACPI PM
timer as a check.  Kite's microvm has the (in-kernel) PIT but neither
reference, and inside kvm-run's emulated host the PIT calibration fails
("tsc: Unable to calibrate against PIT", "No reference (HPET/PMTIMER)
available"); Linux then stops right there, with or without Hyper-V
(-cpu host,kvm=off hangs the same way), and so does QEMU 7.2's microvm
with the same flags.  QEMU's pc machine boots it because it has an HPET.

Both guests run in ONE kvm-run batch (one emulated-host boot).  TAP; every
case is skipped with the reason when kvm-run cannot work here.

    hyperv-linux.py KITE_BINARY
"""
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from kvm_batch import run_linux_batch  # noqa: E402

SRC = os.environ.get('KITE_SOURCE_ROOT') or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KVM_RUN = os.path.join(SRC, 'scripts', 'kvm-run')
BUILD_INITRAMFS = os.path.join(SRC, 'scripts', 'build-guest-initramfs')
APPEND = 'console=ttyS0 panic=-1 quiet kite.cmd=timers'
# The flags, plus hv-frequencies (see above).
HV = 'host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer'
FREQ = ',hv-frequencies'
# TLFS: CPUID 0x40000003 EDX bit 19, direct-mode synthetic timers.
MISC_DIRECT = 1 << 19

GUESTS = [
    # key, -cpu
    ('direct', HV + ',hv-stimer-direct,kvm=off' + FREQ),
    ('message', HV + ',kvm=off' + FREQ),
]


def guest_report(text):
    """What the guest's init printed: dmesg lines, clocksource, and the
    two /proc/interrupts samples as {name: total count}."""
    rep = {'dmesg': '', 'clocksource': None, 'irq': [{}, {}]}
    text = text.replace('\r', '')      # the serial console says CR LF
    m = re.search(r'KITE-DMESG-BEGIN\n(.*?)KITE-DMESG-END', text, re.S)
    if m:
        rep['dmesg'] = m.group(1)
    m = re.search(r'^KITE-CLOCKSOURCE (\S+)', text, re.M)
    if m:
        rep['clocksource'] = m.group(1)
    for i in range(2):
        m = re.search(r'KITE-INTERRUPTS-%d\n(.*?)KITE-INTERRUPTS-' % (i + 1),
                      text, re.S)
        if not m:
            continue
        lines = m.group(1).splitlines()
        ncpu = len(lines[0].split()) if lines else 0
        for line in lines[1:]:
            f = line.split()
            if not f or not f[0].endswith(':'):
                continue
            counts = [int(x) for x in f[1:1 + ncpu] if x.isdigit()]
            rep['irq'][i][f[0][:-1]] = sum(counts)
    return rep


def misc_features(dmesg):
    m = re.search(r'Hyper-V: privilege flags .* misc (0x[0-9a-f]+)', dmesg)
    return int(m.group(1), 16) if m else None


def growth(rep, name):
    a, b = rep['irq'][0].get(name), rep['irq'][1].get(name)
    return None if a is None or b is None else b - a


def checks(key, rep, status):
    """(case name, ok, detail) for one guest."""
    out = []
    booted = status == 0 and rep['irq'][1] != {}
    out.append(('%s: Linux boots and powers off, Kite exits 0' % key, booted,
                'exit status %s' % status))
    out.append(('%s: Linux logs "Hypervisor detected: Microsoft Hyper-V"' % key,
                'Hypervisor detected: Microsoft Hyper-V' in rep['dmesg'],
                'dmesg: %r' % rep['dmesg'][:300]))
    out.append(('%s: clocksource is hyperv_clocksource_tsc_page' % key,
                rep['clocksource'] == 'hyperv_clocksource_tsc_page',
                'current_clocksource %s' % rep['clocksource']))
    misc = misc_features(rep['dmesg'])
    hvs = growth(rep, 'HVS')
    loc = growth(rep, 'LOC')
    if key == 'direct':
        out.append(('direct: Linux sees direct-mode timers (misc bit 19)',
                    misc is not None and bool(misc & MISC_DIRECT),
                    'misc %s' % (hex(misc) if misc is not None else None)))
        out.append(('direct: HVS (Hyper-V stimer0) count grows',
                    hvs is not None and hvs > 0,
                    'HVS %s -> %s' % (rep['irq'][0].get('HVS'),
                                      rep['irq'][1].get('HVS'))))
    else:
        out.append(('message: no direct-mode timers offered (misc bit 19 clear)',
                    misc is not None and not misc & MISC_DIRECT,
                    'misc %s' % (hex(misc) if misc is not None else None)))
        out.append(('message: no growing HVS line, local APIC timer ticks',
                    booted and not hvs and loc is not None and loc > 0,
                    'HVS %s, LOC %s -> %s' % (
                        'absent' if hvs is None else '+%d' % hvs,
                        rep['irq'][0].get('LOC'), rep['irq'][1].get('LOC'))))
    return out


NCASES = 5 * len(GUESTS)


def skip_all(why):
    print('1..%d' % NCASES)
    for i in range(NCASES):
        print('ok %d - hyperv-linux # SKIP %s' % (i + 1, why))
    return 0


def main():
    kite = os.path.abspath(sys.argv[1])

    def lines(kernel, initrd):
        for _, cpu in GUESTS:
            argv = [kite, '-M', 'microvm', '-m', '256M', '-accel', 'kvm',
                    '-display', 'none', '-nodefaults', '-serial', 'stdio',
                    '-kernel', kernel, '-initrd', initrd, '-append', APPEND,
                    '-cpu', cpu]
            # A hang costs minutes, not the whole run.
            yield 'timeout 300 ' + shlex.join(argv)
    blocks, out, err = run_linux_batch(KVM_RUN, BUILD_INITRAMFS,
                                       lambda k, i: list(lines(k, i)),
                                       skip_all)
    results = []
    for i, (key, _) in enumerate(GUESTS):
        text, status = blocks.get(i, ('', None))
        cases = checks(key, guest_report(text), status)
        results += [(name, ok, detail, text) for name, ok, detail in cases]
    print('1..%d' % len(results))
    failed = 0
    shown = set()
    for n, (name, ok, detail, text) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        if not ok:
            failed += 1
            print('# ' + detail)
            if text in shown:
                continue
            shown.add(text)       # each guest's console once
            tail = text or (out + err)
            for l in tail.splitlines()[-60:]:
                print('# ' + l.rstrip('\r'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
