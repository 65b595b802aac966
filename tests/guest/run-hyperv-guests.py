#!/usr/bin/env python3
"""Run the Hyper-V test kernels (tests/guest/x86/hv-*.c) on Kite with
-accel kvm -smp 2, all in one scripts/kvm-run batch, and report TAP.

Usage: run-hyperv-guests.py KVM_RUN KITE_BINARY KERNEL_DIR

Every case is skipped with kvm-run's reason when no KVM can be had.
"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from kvm_batch import quote_argv, run_and_report  # noqa: E402

HV = 'hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer'
CASES = [
    # name, kernel, -cpu, -append, exit status, text (serial or stderr)
    ('cpuid-leaves-direct', 'hv-cpuid', 'host,' + HV + ',hv-stimer-direct',
     'direct kvm', 1, 'hv-cpuid: vendor Microsoft Hv, 0 failures'),
    ('cpuid-leaves-kvm-off', 'hv-cpuid', 'host,' + HV + ',kvm=off',
     'nodirect nokvm', 1, 'direct-mode timers not offered'),
    ('cpuid-leaves-passthrough', 'hv-cpuid', 'host,hv-passthrough',
     'direct kvm', 1, 'hv-cpuid: vendor Microsoft Hv, 0 failures'),
    ('stimer-message-and-direct', 'hv-stimer', 'host,' + HV + ',hv-stimer-direct',
     'smp', 1, 'hv-stimer: 0 failures'),
    ('stimer-without-direct', 'hv-stimer', 'host,' + HV, 'nodirect smp', 1,
     'direct cases skipped'),
    ('stimer-enforce-cpuid', 'hv-stimer',
     'host,' + HV + ',hv-stimer-direct,hv-enforce-cpuid', '', 1,
     'hv-stimer: 0 failures'),
    ('msrs-reset-on-system-reset', 'hv-reset',
     'host,' + HV + ',hv-stimer-direct', '', 1, 'hv-reset: boot 2, 0 failures'),
    ('timer-bench-kernel-short-run', 'hv-timer-bench',
     'host,' + HV + ',hv-stimer-direct', 'ticks=20', 1, 'bench: 0 failures'),
    ('dependency-error-under-kvm', 'hv-cpuid', 'host,hv-stimer', '', 1,
     'Hyper-V synthetic timers (hv-stimer) requires Hyper-V synthetic '
     'interrupt controller (hv-synic)'),
]


def main():
    kvm_run, kite, kdir = [os.path.abspath(a) for a in sys.argv[1:4]]
    cases = []
    for name, kernel, cpu, append, status, text in CASES:
        argv = [kite, '-M', 'microvm', '-m', '64M', '-accel', 'kvm',
                '-smp', '2', '-display', 'none', '-nodefaults',
                '-serial', 'stdio',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-cpu', cpu, '-kernel', os.path.join(kdir, kernel + '.elf')]
        if append:
            argv += ['-append', append]
        if kernel != 'hv-reset':     # hv-reset resets the machine once
            argv += ['-no-reboot']
        cases.append((name, 'timeout 240 ' + quote_argv(argv), status, text))
    return run_and_report(kvm_run, cases, echo_on_pass='bench:')


if __name__ == '__main__':
    sys.exit(main())
