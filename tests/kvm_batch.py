"""What the real-KVM test programs share (tests/guest/run-*.py,
tests/functional/*.py): run shell lines in one scripts/kvm-run batch (one
emulated-host boot) and split its output per command; the Linux guest
(Debian's kernel, the busybox initramfs); TAP for the freestanding-kernel
cases.  The scripts put tests/ on sys.path to import it.
"""
import os, re, shutil, subprocess, sys, tempfile


class Skip(Exception):
    """The test cannot run here; the message says why."""


def last_line(text):
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else 'no reason given'


def run_batch(kvm_run, lines, timeout=None):
    """Run @lines in one kvm-run batch.  Returns (blocks, out, err) where
    blocks maps a command's index to (its output, its exit status); raises
    Skip with kvm-run's reason when it cannot work here."""
    with tempfile.NamedTemporaryFile('w', suffix='.batch', delete=False) as f:
        f.write('\n'.join(lines) + '\n')
        batch = f.name
    argv = [kvm_run] + (['--timeout', str(timeout)] if timeout else []) + \
        ['--batch', batch]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        os.unlink(batch)
    out = p.stdout.decode('utf-8', 'replace')
    err = p.stderr.decode('utf-8', 'replace')
    if p.returncode == 77:
        raise Skip(last_line(err) if err.strip() else 'kvm-run cannot work here')
    # kvm-run's own notes (a wedged emulated host booted again) belong in
    # the test log.
    for line in err.splitlines():
        if line.startswith('kvm-run:'):
            print('# ' + line)
    blocks = {}
    for m in re.finditer(r'^=== \[(\d+)\] \$ .*?\n(.*?)^=== \[\1\] exit status (-?\d+)$',
                         out, re.S | re.M):
        blocks[int(m.group(1)) - 1] = (m.group(2), int(m.group(3)))
    return blocks, out, err


def linux_guest(kvm_run, build_initramfs, tmp):
    """(bzImage, initramfs) of the Linux guest: Debian's kernel from
    kvm-run's cache and the busybox initramfs built into @tmp.  Raises Skip
    when either cannot be had here, RuntimeError when the build fails."""
    p = subprocess.run([kvm_run, '--print-kernel'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Skip(last_line(p.stderr))
    kernel = p.stdout.decode().splitlines()[0]
    initrd = os.path.join(tmp, 'initrd.cpio.gz')
    p = subprocess.run([build_initramfs, initrd], stderr=subprocess.PIPE)
    if p.returncode == 77:
        raise Skip(last_line(p.stderr))
    if p.returncode != 0:
        raise RuntimeError('build-guest-initramfs failed: %s'
                           % last_line(p.stderr))
    return kernel, initrd


def quote_argv(argv):
    """A shell line for @argv (the arguments hold no single quotes)."""
    return ' '.join("'%s'" % a for a in argv)


def run_linux_batch(kvm_run, build_initramfs, make_lines, skip_all,
                    timeout=None):
    """Run make_lines(kernel, initramfs) of the Linux guest (linux_guest)
    in one batch and return what run_batch does.  Where it cannot run,
    the program ends with skip_all(reason)'s status; when the initramfs
    cannot be built, with a TAP line that says so and status 1."""
    tmp = tempfile.mkdtemp(prefix='kite-linux-guest-')
    try:
        kernel, initrd = linux_guest(kvm_run, build_initramfs, tmp)
        return run_batch(kvm_run, make_lines(kernel, initrd), timeout)
    except Skip as why:
        sys.exit(skip_all(why))
    except RuntimeError as e:
        print('1..0 # %s' % e)
        sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_and_report(kvm_run, cases, timeout=None, echo_on_pass=None):
    """@cases: [(name, shell line, exit status, text)].  Prints TAP and
    returns the exit status for the test program (1 if a case failed).
    Every case is skipped with kvm-run's reason when it cannot work here.
    Lines of a passing case that start with @echo_on_pass are echoed as
    TAP comments (figures a reader wants to see)."""
    try:
        blocks, out, err = run_batch(kvm_run, [c[1] for c in cases], timeout)
    except Skip as why:
        print('1..%d' % len(cases))
        for i, case in enumerate(cases):
            print('ok %d - %s # SKIP %s' % (i + 1, case[0], why))
        return 0
    print('1..%d' % len(cases))
    failed = 0
    for i, (name, _, want_status, want_text) in enumerate(cases):
        text, status = blocks.get(i, ('', None))
        ok = status == want_status and want_text in text
        print('%s %d - %s (exit status %s, want %d)' %
              ('ok' if ok else 'not ok', i + 1, name, status, want_status))
        if ok:
            for line in text.splitlines():
                if echo_on_pass and line.startswith(echo_on_pass):
                    print('# ' + line)
            continue
        failed += 1
        for line in (text or out[-2000:] + err[-2000:]).splitlines():
            print('# ' + line)
    return 1 if failed else 0
