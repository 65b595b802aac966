#!/usr/bin/env python3
"""scripts/kvm-run's own behaviour (TAP): how it tells a wedged emulated
host from a slow one, and that a batch whose emulated host wedges goes on
in a fresh boot with the commands that were left.

Usage: kvm-run-test.py [KVM_RUN]
"""
import importlib.machinery, importlib.util, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KVM_RUN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                          os.path.join(HERE, '..', '..', 'scripts', 'kvm-run'))

n = 0
failed = 0


def case(ok, name, why=''):
    global n, failed
    n += 1
    failed += not ok
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
    if not ok and why:
        for line in why.splitlines()[-40:]:
            print('# ' + line)


def load_kvm_run():
    loader = importlib.machinery.SourceFileLoader('kvm_run', KVM_RUN)
    spec = importlib.util.spec_from_loader('kvm_run', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def skip(names, why):
    global n
    for name in names:
        n += 1
        print('ok %d - %s # SKIP %s' % (n, name, why))


def run_l1_batch(text, **env):
    """(exit status, stdout, stderr) of kvm-run --batch in an emulated host."""
    with tempfile.NamedTemporaryFile('w', suffix='.batch', delete=False) as f:
        f.write(text)
        batch = f.name
    try:
        p = subprocess.run([KVM_RUN, '--mode', 'l1', '--timeout', '400',
                            '--batch', batch], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600,
                           env=dict(os.environ, **env))
    finally:
        os.unlink(batch)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def wedge_detection(kr):
    slow = (b'[   30.1] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! '
            b'[kworker/1:0:22]\n')
    stuck = (b'[  80.5] watchdog: BUG: soft lockup - CPU#0 stuck for 104s! '
             b'[rcu_preempt:15]\n')
    starved = (b'rcu: rcu_preempt kthread starved for 36762 jiffies! g5081\n')
    brief = b'rcu: rcu_preempt kthread starved for 5252 jiffies! g5081\n'
    case(kr.l1_wedged(b'kvm-run-l1: up 5.86 s\n') is None,
         'a console without lockups is not wedged')
    case(kr.l1_wedged(slow + brief) is None,
         'a 26 s soft lockup and a 21 s RCU starvation are only slow')
    w = kr.l1_wedged(slow + stuck)
    case(w is not None and 'stuck for 104s' in w,
         'a 104 s soft lockup is wedged (%r)' % w)
    w = kr.l1_wedged(starved)
    case(w is not None and '36762 jiffies' in w,
         'RCU starved for 36762 jiffies (147 s) is wedged (%r)' % w)


def retry_in_fresh_boot():
    # Command 3 fakes a wedge (a kernel message as the soft-lockup watchdog
    # prints it) when two commands ran before it in its boot, i.e. in the
    # first boot only; in the second boot only the set-up (command 1,
    # marked '@') runs again before it, and it prints what the set-up left.
    fake = ('if [ -e /run/kite-job/rc.1 ]; then echo "<2>watchdog: BUG: '
            'soft lockup - CPU#0 stuck for 123s! [fake]" >/dev/kmsg; '
            'sleep 600; fi; echo second ran; cat /run/kt/staged')
    rc, out, err = run_l1_batch(
        '@ mkdir -p /run/kt && echo set-up ran | tee /run/kt/staged\n'
        'echo first ran\n%s\necho third ran; exit 3\n' % fake)
    both = out + '\n--- stderr\n' + err
    if rc == 77:
        return 'kvm-run cannot boot an emulated host here: ' + \
            (err.strip().splitlines() or ['?'])[-1]
    lines = out.splitlines()
    case('wedged during command 3' in err and 'stuck for 123s' in err,
         'the wedge is noticed and named on stderr', both)
    case(lines.count('first ran') == 1 and
         out.count('=== [1] exit status 0') == 1 and
         out.count('=== [2] exit status 0') == 1,
         'the commands finished before the wedge are reported once', both)
    block3 = out[out.find('=== [3] $'):out.find('=== [3] exit status')]
    case('second ran' in block3 and '=== [3] exit status 0' in out,
         'the command that was running runs again in the fresh boot', both)
    case('set-up ran' in block3,
         'the set-up command ran again first in the fresh boot', both)
    case('third ran' in out and '=== [4] exit status 3' in out,
         'the commands left run in the fresh boot, statuses kept', both)
    case(rc == 1, 'the batch exits 1 as one command failed '
         '(exit %d)' % rc, both)
    return None


def silent_wedge():
    # An emulated host can also stop without a word on its console: the
    # heartbeat it writes every 5 s stands still.  Command 2 stops the
    # heartbeat (in the first boot only, where a command ran before it).
    stop = ('if [ -e /run/kite-job/rc.0 ]; then '
            'kill -STOP $(cat /run/kite-job/heartbeat.pid); sleep 600; fi; '
            'echo second ran')
    rc, out, err = run_l1_batch('echo first ran\n%s\n' % stop,
                                KITE_KVM_L1_HEARTBEAT_STALL='20')
    both = out + '\n--- stderr\n' + err
    if rc == 77:
        return 'kvm-run cannot boot an emulated host here'
    case('wedged during command 2 (no heartbeat for' in err,
         'a heartbeat that stands still counts as wedged', both)
    case(rc == 0 and 'second ran' in out and
         out.count('=== [1] exit status 0') == 1,
         'the command runs again in a fresh boot and the batch passes', both)
    return None


def main():
    print('1..12')
    wedge_detection(load_kvm_run())
    why = retry_in_fresh_boot()
    if why:
        skip(['the wedge is noticed', 'finished commands reported once',
              'running command runs again', 'set-up runs again',
              'commands left run', 'batch exit status'], why)
    why = silent_wedge()
    if why:
        skip(['a heartbeat that stands still', 'runs again'], why)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
