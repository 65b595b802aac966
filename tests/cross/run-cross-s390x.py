#!/usr/bin/env python3
"""Run scripts/cross-s390x-check (cross-build for big-endian s390x, run
the s390x unit tests and the SCLP qtests under qemu-user) and report its
results as one TAP stream.  Exit status 77 from the script means the
tools are not available: reported as skipped, with the reason.

Usage: run-cross-s390x.py SOURCE_ROOT NATIVE_BUILDDIR
"""
import re, subprocess, sys


def main():
    src, native = sys.argv[1:3]
    p = subprocess.run([src + '/scripts/cross-s390x-check', native],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode('utf-8', 'replace')
    if p.returncode == 77:
        why = [l for l in out.splitlines() if l.startswith('SKIP')]
        print('1..1')
        print('ok 1 - s390x cross check # SKIP %s' %
              (why[-1][5:].strip() if why else 'tools not available'))
        return 0
    cases = []
    section = 'cross'
    for line in out.splitlines():
        m = re.match(r'^== (.*)', line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r'^(not ok|ok)\b\s*\d*\s*-?\s*(.*)$', line)
        if m and not line.startswith('ok 1 - s390x'):
            cases.append((m.group(1) == 'ok', '%s: %s' % (section, m.group(2))))
    if p.returncode != 0 and all(ok for ok, _ in cases):
        cases.append((False, 'cross-s390x-check exited %d' % p.returncode))
    if not cases:
        cases.append((False, 'no results from cross-s390x-check'))
    print('1..%d' % len(cases))
    for i, (ok, desc) in enumerate(cases):
        print('%s %d - s390x (big-endian, qemu-user) %s' % ('ok' if ok else 'not ok', i + 1, desc))
    if not all(ok for ok, _ in cases):
        for l in out.splitlines()[-60:]:
            print('# ' + l)
    return 0 if all(ok for ok, _ in cases) else 1


if __name__ == '__main__':
    sys.exit(main())
