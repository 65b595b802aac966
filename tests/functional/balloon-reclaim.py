#!/usr/bin/env python3
"""End-to-end free page reporting on real KVM (issue 4, "Tests"): a Debian
Linux guest with 512 MiB and virtio-balloon-pci fills 300 MiB of tmpfs and
deletes it.  With free-page-reporting=on, Kite's RSS must fall by at least
250 MiB within 10 s of the delete; with free-page-reporting=off it must
not; and with memory-backend-memfd,share=on (reporting on) it must fall as
with anonymous RAM.  All three guests run in ONE scripts/kvm-run batch (one
emulated-host boot).  TAP; every case is skipped with the reason when
kvm-run cannot work here.

    balloon-reclaim.py KITE_BINARY

The guest initramfs comes from bench/build-initramfs (mode "fill"), the
kernel from `kvm-run --print-kernel`, and the sampling from
bench/vmm-run.py (mode "reclaim", RSS of the Kite process every 100 ms).
"""
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from kvm_batch import Skip, last_line, run_batch  # noqa: E402

SRC = os.environ.get('KITE_SOURCE_ROOT') or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('KITE_BUILD_ROOT') or os.path.join(SRC, 'build')
KVM_RUN = os.path.join(SRC, 'scripts', 'kvm-run')
VMM_RUN = os.path.join(SRC, 'bench', 'vmm-run.py')
FILL_MIB, WANT_MIB, WINDOW_S = 300, 250, 10.0
# Each guest boots and fills under software emulation of the host (about
# 2-3 min alone, several times that when other emulated hosts share the
# two cores), hence the generous per-case limit.
# With reporting off the guest keeps its pages: RSS may wobble, not fall.
OFF_MAX_MIB = 64

CASES = [
    # name, reporting, memfd, expect a drop
    ('free-page-reporting=on, anonymous RAM: RSS falls >= 250 MiB in 10 s',
     'on', False, True),
    ('free-page-reporting=off, anonymous RAM: RSS does not fall',
     'off', False, False),
    ('free-page-reporting=on, memory-backend-memfd,share=on: RSS falls '
     '>= 250 MiB in 10 s', 'on', True, True),
]


def tap_skip_all(reason):
    print('1..%d' % len(CASES))
    for i, c in enumerate(CASES):
        print('ok %d - %s # SKIP %s' % (i + 1, c[0], reason))
    return 0


def main():
    kite = os.path.abspath(sys.argv[1])
    chk = subprocess.run([KVM_RUN, '--check'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    if chk.returncode == 77:
        return tap_skip_all('kvm-run: ' + last_line(chk.stderr))
    pk = subprocess.run([KVM_RUN, '--print-kernel'], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, universal_newlines=True)
    if pk.returncode != 0:
        return tap_skip_all('kvm-run: no kernel: ' + last_line(pk.stderr))
    kernel, moddir = pk.stdout.split()[:2]
    initrd = os.path.join(BUILD, 'balloon-reclaim-guest.cpio.gz')
    b = subprocess.run([os.path.join(SRC, 'bench', 'build-initramfs'),
                        moddir, initrd], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if b.returncode == 77:
        return tap_skip_all(last_line(b.stderr))
    if b.returncode != 0:
        print('Bail out! building the guest initramfs: ' +
              last_line(b.stderr))
        return 1
    lines = []
    for name, fpr, memfd, _ in CASES:
        machine = 'microvm'
        argv = [kite, '-accel', 'kvm', '-cpu', 'host', '-display', 'none',
                '-nodefaults', '-no-reboot', '-m', '512M', '-smp', '1',
                '-serial', 'stdio', '-kernel', kernel, '-initrd', initrd,
                '-device', 'virtio-balloon-pci,id=balloon0,'
                'free-page-reporting=' + fpr,
                '-append', 'console=ttyS0 loglevel=4 panic=-1 bench.mode=fill '
                'bench.fill=%d bench.hold=%d' % (FILL_MIB, WINDOW_S + 5)]
        if memfd:
            argv += ['-object',
                     'memory-backend-memfd,id=mem0,size=512M,share=on']
            machine += ',memory-backend=mem0'
        argv += ['-M', machine]
        lines.append(' '.join(shlex.quote(a) for a in
                              [VMM_RUN, '--timeout', '600', '--hold',
                               str(WINDOW_S + 1), 'reclaim', 'case', '--'] +
                              argv))
    try:
        blocks, _, err = run_batch(KVM_RUN, lines, timeout=2000)
    except Skip as why:
        return tap_skip_all('kvm-run: %s' % why)
    print('1..%d' % len(CASES))
    failed = 0
    for i, (name, fpr, memfd, want_drop) in enumerate(CASES):
        res = None
        for line in blocks.get(i, ('', None))[0].splitlines():
            if line.startswith('{'):
                try:
                    res = json.loads(line)
                except ValueError:
                    pass
        diag = []
        ok = False
        if res is None:
            diag.append('no result from the emulated host')
            diag += err.strip().splitlines()[-10:]
        elif not res.get('ok'):
            diag.append('guest did not reach the delete: %s' %
                        res.get('error', 'exit status %s' %
                                res.get('exit_status')))
            diag += res.get('stdout_tail', '').splitlines()[-8:]
            diag += res.get('stderr_tail', '').splitlines()[-8:]
        else:
            s = res['samples']
            tf, tfree = res['t_kite_bench_filled'], res['t_kite_bench_freed']
            before = [x[1] for x in s if tf - 0.5 <= x[0] <= tfree + 0.05]
            after = [x[1] for x in s if tfree < x[0] <= tfree + WINDOW_S]
            if not before or not after:
                diag.append('too few RSS samples around the delete')
            else:
                peak, low = max(before), min(after)
                drop = (peak - low) / 1024
                diag.append('RSS %.1f MiB at the delete, lowest %.1f MiB '
                            'within %.0f s: fell %.1f MiB' %
                            (peak / 1024, low / 1024, WINDOW_S, drop))
                ok = drop >= WANT_MIB if want_drop else drop < OFF_MAX_MIB
                if want_drop and peak / 1024 < FILL_MIB:
                    ok = False
                    diag.append('the fill never reached Kite\'s RSS')
        if not ok and res:
            # What the guest saw of its PCI bus and the balloon driver.
            diag += [l for l in res.get('guest_lines', [])
                     if 'PCI' in l or 'VIRTIO' in l or 'ERROR' in l][:12]
        print('%s %d - %s' % ('ok' if ok else 'not ok', i + 1, name))
        for d in diag:
            print('# ' + d)
        failed += not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
