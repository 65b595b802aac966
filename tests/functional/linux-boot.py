#!/usr/bin/env python3
"""Real Linux guests on Kite with -accel kvm (issue 3, "Tests"): Debian's
kernel (the one scripts/kvm-run boots as its emulated host) with the busybox
initramfs of scripts/build-guest-initramfs boots to userspace with 1 and 2
vCPUs (the guest counts its CPUs in /proc/cpuinfo) and powers off, and
Kite exits 0; with -no-reboot a guest `reboot -f` ends Kite with 0 too.
All guests run in ONE kvm-run batch (one emulated-host boot).  TAP; every
case is skipped with the reason when kvm-run cannot work here.

    linux-boot.py KITE_BINARY
"""
import os
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from kvm_batch import run_linux_batch  # noqa: E402

SRC = os.environ.get('KITE_SOURCE_ROOT') or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KVM_RUN = os.path.join(SRC, 'scripts', 'kvm-run')
BUILD_INITRAMFS = os.path.join(SRC, 'scripts', 'build-guest-initramfs')
APPEND = 'console=ttyS0 panic=-1 quiet'

CASES = [
    # name, extra options, kernel arguments, status, texts the console shows
    ('linux boots with 1 vCPU, powers off, Kite exits 0', ['-smp', '1'], '',
     0, ['KITE-GUEST-UP cpus=1', 'KITE-GUEST-POWEROFF']),
    ('linux boots with 2 vCPUs, sees 2 CPUs, powers off, Kite exits 0',
     ['-smp', '2'], '', 0, ['KITE-GUEST-UP cpus=2', 'KITE-GUEST-POWEROFF']),
    ('-no-reboot: guest reboot -f ends Kite with status 0', ['-no-reboot'],
     'kite.cmd=reboot', 0, ['KITE-GUEST-UP cpus=1', 'KITE-GUEST-REBOOT']),
]


def skip_all(why):
    print('1..%d' % len(CASES))
    for i, case in enumerate(CASES):
        print('ok %d - %s # SKIP %s' % (i + 1, case[0], why))
    return 0


def main():
    kite = os.path.abspath(sys.argv[1])

    def lines(kernel, initrd):
        for _, extra, args, _, _ in CASES:
            argv = [kite, '-M', 'microvm', '-m', '256M', '-accel', 'kvm',
                    '-display', 'none', '-nodefaults', '-serial', 'stdio',
                    '-kernel', kernel, '-initrd', initrd,
                    '-append', (APPEND + ' ' + args).strip()] + extra
            # A hang costs minutes, not the whole run.
            yield 'timeout 240 ' + shlex.join(argv)
    blocks, out, err = run_linux_batch(KVM_RUN, BUILD_INITRAMFS,
                                       lambda k, i: list(lines(k, i)),
                                       skip_all)
    print('1..%d' % len(CASES))
    failed = 0
    for i, (name, _, _, want_status, texts) in enumerate(CASES):
        text, status = blocks.get(i, ('', None))
        missing = [t for t in texts if t not in text]
        ok = status == want_status and not missing
        print('%s %d - %s (exit status %s)' % ('ok' if ok else 'not ok',
                                               i + 1, name, status))
        if not ok:
            failed += 1
            if missing:
                print('# missing on the console: %s' % ', '.join(missing))
            tail = text or (out + err)
            for l in tail.splitlines()[-40:]:
                print('# ' + l)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
