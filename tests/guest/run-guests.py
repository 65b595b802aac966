#!/usr/bin/env python3
"""Run the freestanding x86 test kernels on Kite with -accel kvm, all in
one scripts/kvm-run batch (one emulated-host boot), and report TAP.

Usage: run-guests.py KVM_RUN KITE_BINARY KERNEL_DIR

Each case names a kernel, extra Kite options, the exit status Kite must
end with ((code << 1) | 1 from isa-debug-exit: 1 = all checks passed)
and a line the guest must print on the serial console.  The cpuid kernel
checks what its -append line names (see tests/guest/x86/cpuid.c).  QMP
cases run a script (tests/guest/qmp-kvm.py) that drives Kite itself.
"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from kvm_batch import quote_argv, run_and_report  # noqa: E402

CASES = [
    # name, kernel, extra options, status, text on the serial console or
    # Kite's stderr
    ('port-and-mmio-exits', 'exits', ['-device', 'virtio-balloon-pci'], 1,
     'exits: balloon at devfn'),
    ('cpuid', 'cpuid', [], 1, 'cpuid: vendor'),
    ('cpuid-smp2', 'cpuid', ['-smp', '2', '-append', 'logical=2'], 1,
     'cpuid: vendor'),
    ('cpuid-minus-x2apic', 'cpuid',
     ['-cpu', 'host,-x2apic', '-append', 'bit=1.c.21.0'], 1,
     'cpuid: vendor'),
    # -cpu models and flags (issue 3).  The emulated host is an AMD CPU
    # with AVX (QEMU's TCG -cpu max); under KVM kvm64 and qemu64 show the
    # host's vendor, as QEMU 7.2 does.
    ('cpuid-host-has-avx', 'cpuid', ['-cpu', 'host', '-append',
     'bit=1.c.28.1 bit=1.c.31.1'], 1, 'cpuid: vendor'),
    ('cpuid-host-minus-avx', 'cpuid', ['-cpu', 'host,-avx', '-append',
     'bit=1.c.28.0'], 1, 'cpuid: vendor'),
    ('cpuid-kvm64-model', 'cpuid', ['-cpu', 'kvm64', '-append',
     'vendor=AuthenticAMD fms=15.6.1 bit=1.c.28.0 bit=1.c.9.0 bit=7.b.5.0 '
     'bit=1.d.25.1 bit=1.c.21.1 bit=80000001.d.29.1 bit=40000001.a.0.1'],
     1,
     'cpuid: vendor'),
    ('cpuid-kvm64-vendor', 'cpuid', ['-cpu', 'kvm64,vendor=GenuineIntel',
     '-append', 'vendor=GenuineIntel fms=15.6.1'], 1, 'cpuid: vendor'),
    ('cpuid-qemu64-model', 'cpuid', ['-cpu', 'qemu64', '-append',
     'fms=15.107.1 bit=1.d.1.0 bit=80000001.c.0.1 bit=80000001.c.2.0'], 1,
     'cpuid: vendor'),
    ('cpuid-kvm64-plus-flags', 'cpuid', ['-cpu',
     'kvm64,+sse4_1,sse4-2=on,+ssse3,lahf_lm=on,-kvmclock', '-append',
     'bit=1.c.19.1 bit=1.c.20.1 bit=1.c.9.1 bit=80000001.c.0.1 '
     'bit=40000001.a.0.0 bit=40000001.a.3.0'], 1, 'cpuid: vendor'),
    ('cpuid-qemu64-kvm-off', 'cpuid', ['-cpu', 'qemu64,kvm=off', '-append',
     'no-kvm-sig'], 1, 'cpuid: vendor'),
    ('cpu-unsupported-flag-warns', 'cpuid', ['-cpu', 'host,+avx512-fp16',
     '-append', 'bit=7.d.23.0'], 1,
     "warning: host doesn't support requested feature: CPUID.07H:EDX.avx512-fp16"),
    ('cpu-unsupported-flag-enforce', 'cpuid',
     ['-cpu', 'host,+avx512-fp16,enforce=on'], 1,
     "host doesn't support requested feature: CPUID.07H:EDX.avx512-fp16"),
    ('debug-exit-status', 'exitcode', [], 0x43, 'exitcode: leaving with 0x21'),
    ('multiboot-info', 'multiboot', ['-append', 'kite-test-arg=42'], 1,
     "multiboot: cmdline"),
    ('reset-8042', 'reset', ['-reboot'], 1, 'reset: boot 2 after reset'),
    ('reset-8042-no-reboot', 'reset', [], 0, 'reset: first boot'),
    ('triple-fault-resets', 'triplefault', ['-reboot'], 1,
     'triplefault: boot 2 after the fault'),
    ('triple-fault-no-reboot', 'triplefault', [], 0, 'triplefault: faulting'),
    ('internal-error-exits-1', 'fatal', [], 1, 'RIP='),
    ('smp-bring-up-init-sipi', 'smp', ['-smp', '3'], 1,
     'smp: 3 CPUs, 2 APs reported in, APIC ids 6'),
    ('fw_cfg-and-mptable', 'fw_cfg', ['-append', 'cpus=1 mem=64'], 1,
     'fw_cfg: QEMU id 3, 1 CPUs, 64 MiB, MP table 1 CPUs'),
    ('fw_cfg-and-mptable-smp4', 'fw_cfg', ['-smp', '4', '-append',
     'cpus=4 mem=64'], 1, 'fw_cfg: QEMU id 3, 4 CPUs, 64 MiB, MP table 4 CPUs'),
    # eventfd-probe.py runs these and reads the device's counters over
    # QMP: kicks through ioeventfds, MSI-X through irqfds (issues 3, 4).
    ('virtio-kicks-ioeventfd-msix-irqfd', 'virtio-eventfd',
     ['-device', 'virtio-balloon-pci,id=bal'], 0, 'eventfd-probe: PASS'),
    ('virtio-ioeventfd-off-kicks-exit', 'virtio-eventfd',
     ['-device', 'virtio-balloon-pci,id=bal,ioeventfd=off'], 0,
     'eventfd-probe: PASS'),
]

# Kernels run under eventfd-probe.py, with what it must find.
PROBED = {'virtio-kicks-ioeventfd-msix-irqfd': 'eventfd',
          'virtio-ioeventfd-off-kicks-exit': 'no-ioeventfd'}
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     'eventfd-probe.py')

# QMP on real KVM: scripts that start Kite themselves, with -qmp:
# (name, script, kernel, exit status, text).
SCRIPT_CASES = [
    ('qmp-kvm-stop-cont-reset-quit', 'qmp-kvm.py', 'ticks', 0,
     'qmp-kvm: all checks passed'),
]


def main():
    kvm_run, kite, kdir = [os.path.abspath(a) for a in sys.argv[1:4]]
    cases = []
    for name, kernel, extra, status, text in CASES:
        argv = [kite, '-M', 'microvm', '-m', '64M', '-accel', 'kvm',
                '-display', 'none', '-nodefaults', '-serial', 'stdio',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-kernel', os.path.join(kdir, kernel + '.elf')]
        # Guest resets end Kite (-no-reboot) unless a case says '-reboot'.
        argv += [a for a in extra if a != '-reboot']
        if '-reboot' not in extra:
            argv.append('-no-reboot')
        limit = 60
        if name in PROBED:
            argv = ['python3', PROBE, PROBED[name]] + argv
            limit = 130   # the probe gives the guest 100 s
        # Bound each guest so a hang costs seconds, not the whole run.
        cases.append((name, 'timeout %d %s' % (limit, quote_argv(argv)),
                      status, text))
    here = os.path.dirname(os.path.abspath(__file__))
    for name, script, kernel, status, text in SCRIPT_CASES:
        argv = ['python3', os.path.join(here, script), kite,
                os.path.join(kdir, kernel + '.elf')]
        cases.append((name, 'timeout 180 ' + quote_argv(argv), status, text))
    return run_and_report(kvm_run, cases, timeout=1700)


if __name__ == '__main__':
    sys.exit(main())
