#!/usr/bin/env python3
"""Timer interrupt latency and jitter: Hyper-V stimer0 in direct mode, in
message mode, and the local APIC timer, Kite next to Debian's QEMU.

Usage: bench/hyperv-timer/run.py BUILD_DIR [--ticks N] [--reps R]

Runs tests/guest/x86/hv-timer-bench.elf (see its header): for each timer,
N one-shot expiries 1 ms ahead (latency: handler entry minus programmed
expiry) and a 1 ms periodic timer for N ticks (intervals between handler
entries: mean, standard deviation, min, max), all read from the reference
counter (TIME_REF_COUNT, 100 ns units) inside the guest.  Both VMMs run
the same kernel with the same -cpu flags in one scripts/kvm-run batch (one
emulated host when /dev/kvm is not usable), Kite then QEMU, R times.
"""
import argparse, os, re, shlex, subprocess, sys, tempfile

# hv-frequencies: the kernel reads the LAPIC timer's rate from its MSR.
CPU = ('host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,'
       'hv-stimer-direct,hv-frequencies')
MODES = ('direct', 'message', 'lapic')
VMMS = (('kite', 'Kite'), ('qemu', "Debian's QEMU"))


def us(x):
    return '%.1f' % (x / 10.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('--ticks', type=int, default=1000)
    ap.add_argument('--reps', type=int, default=1)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    src = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    kvm_run = os.path.join(src, 'scripts', 'kvm-run')
    kernel = os.path.join(build, 'tests', 'guest', 'x86', 'hv-timer-bench.elf')
    common = ['-m', '64M', '-display', 'none', '-nodefaults',
              '-serial', 'stdio', '-no-reboot',
              '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
              '-cpu', CPU, '-kernel', kernel,
              '-append', 'ticks=%d' % a.ticks]
    argv = {
        'kite': [os.path.join(build, 'kite-system-x86_64'), '-M', 'microvm',
                 '-accel', 'kvm'] + common,
        'qemu': ['qemu-system-x86_64', '-M', 'pc', '-accel', 'kvm'] + common,
    }
    runs = [vmm for _ in range(a.reps) for vmm, _ in VMMS]
    with tempfile.NamedTemporaryFile('w', suffix='.batch', delete=False) as f:
        # Warm-up: the first start of each binary reads it over 9p.
        f.write('%s -version >/dev/null 2>&1; qemu-system-x86_64 -version '
                '>/dev/null\n' % shlex.quote(argv['kite'][0]))
        for vmm in runs:
            f.write('timeout 600 ' + shlex.join(argv[vmm]) + '\n')
        batch = f.name
    p = subprocess.run([kvm_run, '--batch', batch, '--timeout', '3000'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.unlink(batch)
    if p.returncode == 77:
        print('hyperv-timer: skipped:', p.stderr.decode().strip())
        return 0
    out = p.stdout.decode('utf-8', 'replace')
    lat, jit = {}, {}
    for m in re.finditer(r'^=== \[(\d+)\] \$ .*?\n(.*?)^=== \[\1\] exit status',
                         out, re.S | re.M):
        idx = int(m.group(1)) - 2
        if idx < 0:
            continue
        vmm = runs[idx]
        for b in re.finditer(r'bench: (\w+) one-shot latency n=(\d+) '
                             r'mean=(\d+) min=(\d+) max=(\d+)', m.group(2)):
            lat.setdefault((vmm, b.group(1)), []).append(
                tuple(int(x) for x in b.groups()[1:]))
        for b in re.finditer(r'bench: (\w+) periodic interval n=(\d+) '
                             r'mean=(\d+) sd=(\d+) min=(\d+) max=(\d+)',
                             m.group(2)):
            jit.setdefault((vmm, b.group(1)), []).append(
                tuple(int(x) for x in b.groups()[1:]))
    w = 30
    print('One-shot latency, 1 ms ahead, %d expiries, in us '
          '(mean / min / max); one line per run' % a.ticks)
    print('%-8s %-*s %-*s' % ('timer', w, VMMS[0][1], w, VMMS[1][1]))
    for mode in MODES:
        for rep in range(a.reps):
            cols = []
            for vmm, _ in VMMS:
                r = lat.get((vmm, mode), [])
                r = r[rep] if rep < len(r) else None
                cols.append('%s / %s / %s%s' % (us(r[1]), us(r[2]), us(r[3]),
                            '' if r[0] == a.ticks else ' (n=%d)' % r[0])
                            if r else 'no result')
            print('%-8s %-*s %-*s' % (mode if rep == 0 else '', w, cols[0],
                                      w, cols[1]))
    print()
    print('1 ms periodic, %d ticks: interval between interrupts, in us '
          '(mean / sd / min / max)' % a.ticks)
    print('%-8s %-*s %-*s' % ('timer', w + 6, VMMS[0][1], w + 6, VMMS[1][1]))
    for mode in MODES:
        for rep in range(a.reps):
            cols = []
            for vmm, _ in VMMS:
                r = jit.get((vmm, mode), [])
                r = r[rep] if rep < len(r) else None
                cols.append('%s / %s / %s / %s' % (us(r[1]), us(r[2]),
                                                   us(r[3]), us(r[4]))
                            if r else 'no result')
            print('%-8s %-*s %-*s' % (mode if rep == 0 else '', w + 6, cols[0],
                                      w + 6, cols[1]))
    if not lat:
        sys.stdout.write(out[-3000:])
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
