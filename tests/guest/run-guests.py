#!/usr/bin/env python3
"""Run the freestanding x86 test kernels on Kite with -accel kvm, all in
one scripts/kvm-run batch (one emulated-host boot), and report TAP.

Usage: run-guests.py KVM_RUN KITE_BINARY KERNEL_DIR

Each case names a kernel, extra Kite options, the exit status Kite must
end with ((code << 1) | 1 from isa-debug-exit: 1 = all checks passed)
and a line the guest must print on the serial console.
"""
import os, re, subprocess, sys, tempfile

CASES = [
    # name, kernel, extra options, status, text on the serial console or
    # Kite's stderr
    ('port-and-mmio-exits', 'exits', ['-device', 'virtio-balloon-pci'], 1,
     'exits: balloon at devfn'),
    ('cpuid', 'cpuid', [], 1, 'cpuid: vendor'),
    ('cpuid-smp2', 'cpuid', ['-smp', '2'], 1, 'cpuid: vendor'),
    ('cpuid-minus-x2apic', 'cpuid',
     ['-cpu', 'host,-x2apic', '-append', 'expect-no-x2apic'], 1,
     'cpuid: vendor'),
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
]


def main():
    kvm_run, kite, kdir = [os.path.abspath(a) for a in sys.argv[1:4]]
    lines = []
    for name, kernel, extra, _, _ in CASES:
        argv = [kite, '-M', 'microvm', '-m', '64M', '-accel', 'kvm',
                '-display', 'none', '-nodefaults', '-serial', 'stdio',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-kernel', os.path.join(kdir, kernel + '.elf')]
        # Guest resets end Kite (-no-reboot) unless a case says '-reboot'.
        argv += [a for a in extra if a != '-reboot']
        if '-reboot' not in extra:
            argv.append('-no-reboot')
        # Bound each guest so a hang costs seconds, not the whole run.
        lines.append('timeout 60 ' + ' '.join("'%s'" % a for a in argv))
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
    for i, (name, _, _, want_status, want_text) in enumerate(CASES):
        text, status = blocks.get(i, ('', None))
        ok = status == want_status and want_text in text
        print('%s %d - %s (exit status %s, want %d)' %
              ('ok' if ok else 'not ok', i + 1, name, status, want_status))
        if not ok:
            failed += 1
            for l in (text or out[-2000:] + p.stderr.decode('utf-8', 'replace')[-2000:]).splitlines():
                print('# ' + l)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
