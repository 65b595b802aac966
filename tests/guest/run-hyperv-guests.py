#!/usr/bin/env python3
"""Run the Hyper-V test kernels (tests/guest/x86/hv-*.c) on Kite with
-accel kvm -smp 2, all in one scripts/kvm-run batch, and report TAP.

Usage: run-hyperv-guests.py KVM_RUN KITE_BINARY KERNEL_DIR

Every case is skipped with kvm-run's reason when no KVM can be had.
"""
import os, re, subprocess, sys, tempfile

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
    lines = []
    for name, kernel, cpu, append, _, _ in CASES:
        argv = [kite, '-M', 'microvm', '-m', '64M', '-accel', 'kvm',
                '-smp', '2', '-display', 'none', '-nodefaults',
                '-serial', 'stdio',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-cpu', cpu, '-kernel', os.path.join(kdir, kernel + '.elf')]
        if append:
            argv += ['-append', append]
        if kernel != 'hv-reset':     # hv-reset resets the machine once
            argv += ['-no-reboot']
        lines.append('timeout 240 ' + ' '.join("'%s'" % a for a in argv))
    with tempfile.NamedTemporaryFile('w', suffix='.batch', delete=False) as f:
        f.write('\n'.join(lines) + '\n')
        batch = f.name
    p = subprocess.run([kvm_run, '--batch', batch], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    os.unlink(batch)
    out = p.stdout.decode('utf-8', 'replace')
    print('1..%d' % len(CASES))
    if p.returncode == 77:
        why = p.stderr.decode('utf-8', 'replace').strip().splitlines()
        why = why[-1] if why else 'kvm-run cannot work here'
        for i, case in enumerate(CASES):
            print('ok %d - %s # SKIP %s' % (i + 1, case[0], why))
        return 0
    blocks = {}
    for m in re.finditer(r'^=== \[(\d+)\] \$ .*?\n(.*?)^=== \[\1\] exit status (-?\d+)$',
                         out, re.S | re.M):
        blocks[int(m.group(1)) - 1] = (m.group(2), int(m.group(3)))
    failed = 0
    for i, (name, _, _, _, want_status, want_text) in enumerate(CASES):
        text, status = blocks.get(i, ('', None))
        ok = status == want_status and want_text in text
        print('%s %d - %s (exit status %s, want %d)' %
              ('ok' if ok else 'not ok', i + 1, name, status, want_status))
        for l in text.splitlines():
            if ok and l.startswith('bench:') or not ok:
                print('# ' + l)
        if not ok:
            failed += 1
            if not text:
                for l in (out[-2000:] + p.stderr.decode('utf-8', 'replace')[-2000:]).splitlines():
                    print('# ' + l)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
