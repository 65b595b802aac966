#!/usr/bin/env python3
"""QMP against a guest running on real KVM (issue 3): query-kvm,
query-cpus-fast thread ids, stop/cont really pausing the vCPUs,
system_reset restarting the guest, quit.  Run by run-guests.py inside the
same kvm-run batch as the test kernels.

Usage: qmp-kvm.py KITE_BINARY TICKS_KERNEL

The guest (tests/guest/x86/ticks.c) prints "ticks: boot" and then
"ticks: N" forever on the serial port, which goes to a file here.  Prints
one line per check and "qmp-kvm: all checks passed" at the end; exits 0
only then.
"""
import json, os, re, socket, subprocess, sys, tempfile, time

NCPUS = 2


class Qmp:
    def __init__(self, path, deadline=20.0):
        end = time.time() + deadline
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    raise
                time.sleep(0.05)
        self.f = self.s.makefile('rw')
        self.events = []
        greeting = json.loads(self.f.readline())
        assert 'QMP' in greeting, greeting
        self.cmd('qmp_capabilities')

    def cmd(self, name, **args):
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.f.write(json.dumps(msg) + '\n')
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError('QMP connection closed during ' + name)
            r = json.loads(line)
            if 'event' in r:
                self.events.append(r)
            elif 'return' in r or 'error' in r:
                return r

    def wait_event(self, name, timeout=10.0):
        end = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e['event'] == name:
                    return self.events.pop(i)
            if time.time() > end:
                return None
            self.s.settimeout(max(0.01, end - time.time()))
            try:
                line = self.f.readline()
            except (socket.timeout, OSError):
                continue
            finally:
                self.s.settimeout(None)
            if line:
                r = json.loads(line)
                if 'event' in r:
                    self.events.append(r)


def serial_state(path):
    """(number of boot lines, last tick) printed so far."""
    try:
        with open(path, errors='replace') as f:
            text = f.read()
    except FileNotFoundError:
        return 0, 0
    ticks = re.findall(r'^ticks: (\d+)$', text, re.M)
    return text.count('ticks: boot'), int(ticks[-1]) if ticks else 0


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


failures = 0


def check(ok, what):
    global failures
    print('%s: %s' % ('ok' if ok else 'FAIL', what), flush=True)
    if not ok:
        failures += 1
    return ok


def run(kite, kernel, tmp):
    sock = os.path.join(tmp, 'qmp.sock')
    serial = os.path.join(tmp, 'serial.log')
    argv = [kite, '-M', 'microvm', '-m', '64M', '-accel', 'kvm',
            '-smp', str(NCPUS), '-display', 'none', '-nodefaults',
            '-serial', 'file:' + serial,
            '-qmp', 'unix:%s,server=on,wait=off' % sock, '-kernel', kernel]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    try:
        q = Qmp(sock)
        r = q.cmd('query-kvm')
        check(r.get('return') == {'enabled': True, 'present': True},
              'query-kvm %s' % r)

        r = q.cmd('query-cpus-fast')['return']
        check(len(r) == NCPUS and
              [c['cpu-index'] for c in r] == list(range(NCPUS)),
              'query-cpus-fast lists %d vCPUs' % NCPUS)
        tids = [c.get('thread-id') for c in r]
        tasks = set(int(t) for t in os.listdir('/proc/%d/task' % proc.pid))
        check(all(t in tasks and t != proc.pid for t in tids) and
              len(set(tids)) == NCPUS,
              'thread-ids %s are vCPU threads of pid %d' % (tids, proc.pid))

        # The guest runs: ticks advance.
        check(wait_for(lambda: serial_state(serial)[1] >= 2, 30),
              'guest ticks before stop')
        t0 = time.time()
        first = serial_state(serial)[1]
        wait_for(lambda: serial_state(serial)[1] >= first + 2, 30)
        period = min(2.0, (time.time() - t0) /
                     max(1, serial_state(serial)[1] - first))

        q.cmd('stop')
        check(q.wait_event('STOP') is not None, 'STOP event')
        st = q.cmd('query-status')['return']
        check(st.get('status') == 'paused' and st.get('running') is False,
              'query-status paused: %s' % st)
        # A tick in flight when stop arrived may still land: settle, then
        # watch for several tick periods.
        time.sleep(max(0.2, 2 * period))
        frozen = serial_state(serial)[1]
        time.sleep(max(1.0, 5 * period))
        check(serial_state(serial)[1] == frozen,
              'ticks frozen while stopped (%d, period %.3fs)' %
              (frozen, period))

        q.cmd('cont')
        check(q.wait_event('RESUME') is not None, 'RESUME event')
        st = q.cmd('query-status')['return']
        check(st.get('status') == 'running' and st.get('running') is True,
              'query-status running: %s' % st)
        check(wait_for(lambda: serial_state(serial)[1] >= frozen + 2, 30),
              'ticks advance after cont')

        boots = serial_state(serial)[0]
        r = q.cmd('system_reset')
        check('return' in r, 'system_reset %s' % r)
        check(q.wait_event('RESET') is not None, 'RESET event')
        check(wait_for(lambda: serial_state(serial)[0] == boots + 1, 30),
              'guest boots again after system_reset')

        r = q.cmd('quit')
        check('return' in r, 'quit %s' % r)
        try:
            status = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            status = None
        check(status == 0, 'exit status %s after quit' % status)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err = proc.stderr.read().decode('utf-8', 'replace')
        if err:
            print('kite stderr:\n' + err, flush=True)


def main():
    kite, kernel = [os.path.abspath(a) for a in sys.argv[1:3]]
    with tempfile.TemporaryDirectory(prefix='kite-qmp-') as tmp:
        try:
            run(kite, kernel, tmp)
        except Exception as e:   # any protocol surprise is a failure
            check(False, 'exception %r' % e)
    if failures:
        print('qmp-kvm: %d checks failed' % failures)
        return 1
    print('qmp-kvm: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
