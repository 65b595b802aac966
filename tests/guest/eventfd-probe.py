#!/usr/bin/env python3
"""Run Kite with the virtio-eventfd test kernel and read, over QMP, how
its virtio-balloon-pci (id "bal") got the kicks and sent the interrupts.

    eventfd-probe.py EXPECT KITE_ARGV...

EXPECT is "eventfd" (kicks through ioeventfds, MSI-X through irqfds) or
"no-ioeventfd" (ioeventfd=off: kicks are MMIO exits, MSI-X still through
irqfds).  The guest prints "virtio-eventfd: done" and halts; then the
counters are read with qom-get and Kite is told to quit.  Exit status 0
when the guest's checks and the counters agree with EXPECT.
"""
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

PROPS = ['ioeventfd-kicks', 'ioeventfd-active', 'irqfd-notifications',
         'irqfd-active']


def qmp(sock_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    f = s.makefile('rw')

    def cmd(name, **args):
        f.write(json.dumps({'execute': name, 'arguments': args}) + '\n')
        f.flush()
        while True:
            r = json.loads(f.readline())
            if 'return' in r or 'error' in r:
                return r
    json.loads(f.readline())   # greeting
    cmd('qmp_capabilities')
    return s, cmd


def main():
    expect, argv = sys.argv[1], sys.argv[2:]
    tmpdir = '/run/tmp' if os.access('/run/tmp', os.W_OK) else None
    d = tempfile.mkdtemp(prefix='kite-probe-', dir=tmpdir)
    sock = os.path.join(d, 'qmp.sock')
    kite = subprocess.Popen(argv + ['-qmp', 'unix:%s,server=on,wait=off' % sock],
                            stdout=subprocess.PIPE)
    out = b''
    start = time.time()
    # Nested emulation is slow and its speed varies with the machine's
    # load: the caller's timeout must exceed this one.
    while b'virtio-eventfd: done' not in out and time.time() < start + 100:
        r, _, _ = select.select([kite.stdout], [], [], 1)
        if r:
            chunk = os.read(kite.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
            # Pass the console on at once, so a hang shows how far it got.
            sys.stdout.write(chunk.decode('utf-8', 'replace').replace(
                '\n', ' [%.1f s]\n' % (time.time() - start)))
            sys.stdout.flush()
    print('eventfd-probe: guest ran %.1f s' % (time.time() - start))
    if b'virtio-eventfd: done' not in out:
        kite.kill()
        kite.wait()
        print('eventfd-probe: the guest did not finish (Kite status %s)' %
              kite.returncode)
        return 1
    s, cmd = qmp(sock)
    got = {}
    for p in PROPS:
        r = cmd('qom-get', path='/machine/peripheral/bal', property=p)
        got[p] = r.get('return')
    cmd('quit')
    s.close()
    kite.wait(timeout=20)
    print('eventfd-probe: ' + ' '.join('%s=%s' % (p, got[p]) for p in PROPS))
    ok = b', 0 failures' in out
    # Eleven kicks, eleven interrupts (one after unmasking); the
    # property values say which path each took.
    if expect == 'eventfd':
        ok = ok and got['ioeventfd-kicks'] == 11 and \
            got['ioeventfd-active'] >= 1
    else:
        ok = ok and got['ioeventfd-kicks'] == 0 and \
            got['ioeventfd-active'] == 0
    ok = ok and got['irqfd-notifications'] == 11 and got['irqfd-active'] == 1
    print('eventfd-probe: %s' % ('PASS' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
