#!/usr/bin/env python3
"""Run one VMM (Kite or the peer, Debian's QEMU) for one benchmark case
and print one JSON line with what was measured.  Runs where /dev/kvm
works: inside scripts/kvm-run's emulated host, one batch command per case.

    vmm-run.py MODE NAME -- VMM_ARGV...

MODE:
  procstart  VMM started with -S and -qmp stdio: ms from exec to the QMP
             greeting (vCPUs created), and from `quit` to exit.
  boot       s from exec to the first serial byte and to the guest's
             KITE-BENCH-INIT line; 2 s later the VMM's RSS minus the
             guest RAM mapping's RSS (largest mapping, /proc/PID/smaps);
             then the VMM is stopped.
  reclaim    samples RSS every 100 ms from exec; the guest prints
             KITE-BENCH-FILLED and KITE-BENCH-FREED, whose times are
             recorded; stops --hold seconds (15) after FREED or when the
             VMM exits.  Also the system's Shmem (memfd RAM).
  cost       the guest runs bench.mode=pfloop; between its lines
             KITE-BENCH-PFLOOP-START and -END: CPU time (utime+stime) of
             each VMM thread and of the main thread (tid = pid, where both
             VMMs run their main loop and the balloon's queues), bytes the
             VMM gave back (MADV_DONTNEED and FALLOCATE_PUNCH_HOLE calls of
             the VMM's threads, counted with ftrace: works the same for
             both VMMs), and with --qmp PATH Kite's
             free-page-reporting-stats (QEMU has none: null).

The serial console must be on stdout (-serial stdio).  Every case is
bounded by --timeout (default 120 s): a VMM that hangs is killed and the
line says so.
"""
import json
import re
import os
import select
import signal
import subprocess
import sys
import time


def smaps(pid):
    """(total RSS KiB, RSS KiB of the largest mapping, its size KiB)."""
    total = big_rss = 0
    big_size = -1
    cur_big = False
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            if line.startswith('Size:'):
                size = int(line.split()[1])
                cur_big = size > big_size
                if cur_big:
                    big_size = size
            elif line.startswith('Rss:'):
                rss = int(line.split()[1])
                total += rss
                if cur_big:
                    big_rss = rss
    return total, big_rss, big_size


def mappings(pid):
    """[(size KiB, RSS KiB, AnonHugePages KiB, name)] of every mapping of
    @pid, in address order.  (smaps() above reads only what the 100 ms
    samples need, and is kept lean for that.)"""
    maps, cur = [], None
    fields = ('Size:', 'Rss:', 'AnonHugePages:')
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            head = line.split()
            if head and re.match(r'^[0-9a-f]+-[0-9a-f]+$', head[0]):
                cur = [0, 0, 0, head[5] if len(head) > 5 else '[anon]']
                maps.append(cur)
            elif cur and head and head[0] in fields:
                cur[fields.index(head[0])] = int(head[1])
    return [tuple(m) for m in maps]


def top_mappings(pid, skip_size, n=6):
    """The @n mappings with the most RSS other than guest RAM (the one of
    @skip_size KiB): [(rss KiB, name)], to show where overhead goes."""
    by = {}
    skipped = False
    for size, rss, _, name in mappings(pid):
        if size == skip_size and not skipped:
            skipped = True
            continue
        by[name] = by.get(name, 0) + rss
    return sorted(((v, k) for k, v in by.items()), reverse=True)[:n]


def shmem_kib():
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('Shmem:'):
                return int(line.split()[1])
    return -1


TRACING = '/sys/kernel/tracing'
TRACE_EVENTS = ('sys_enter_madvise', 'sys_enter_fallocate')


def ticks_of(tid_stat):
    """utime + stime of a /proc/.../stat line, in clock ticks."""
    fields = tid_stat[tid_stat.rindex(')') + 2:].split()
    return int(fields[11]) + int(fields[12])


def thread_cpu(pid):
    """{tid: (name, seconds)} for every thread of @pid."""
    hz = os.sysconf('SC_CLK_TCK')
    res = {}
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/stat' % (pid, tid)) as f:
                st = f.read()
            with open('/proc/%d/task/%s/comm' % (pid, tid)) as f:
                name = f.read().strip()
        except OSError:
            continue
        res[int(tid)] = (name, ticks_of(st) / hz)
    return res


def qmp_stats(path):
    """Kite's free-page-reporting-stats over QMP, or None (QEMU has no
    such property; no socket)."""
    import socket
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(path)
        f = s.makefile('rwb')
        f.readline()
        for cmd in ({'execute': 'qmp_capabilities'},
                    {'execute': 'qom-get', 'arguments': {
                        'path': '/machine/peripheral/balloon0',
                        'property': 'free-page-reporting-stats'}}):
            f.write(json.dumps(cmd).encode() + b'\n')
            f.flush()
            while True:
                r = json.loads(f.readline())
                if 'return' in r or 'error' in r:
                    break
        s.close()
        return r.get('return')
    except (OSError, ValueError):
        return None


def trace_start(tids):
    """Count the VMM's discards with ftrace: syscall entry events of
    madvise and fallocate filtered on its threads.  False if unavailable."""
    try:
        if not os.path.exists(TRACING + '/trace'):
            subprocess.run(['mount', '-t', 'tracefs', 'nodev', TRACING],
                           stderr=subprocess.DEVNULL)
        flt = ' || '.join('common_pid == %d' % t for t in tids)
        for ev in TRACE_EVENTS:
            d = '%s/events/syscalls/%s/' % (TRACING, ev)
            with open(d + 'filter', 'w') as f:
                f.write(flt)
            with open(d + 'enable', 'w') as f:
                f.write('1')
        with open(TRACING + '/buffer_size_kb', 'w') as f:
            f.write('8192')
        with open(TRACING + '/trace', 'w') as f:
            f.write('')
        return True
    except OSError:
        return False


def trace_stop():
    """(bytes discarded by MADV_DONTNEED, by PUNCH_HOLE, calls, lost)."""
    try:
        for ev in TRACE_EVENTS:
            with open('%s/events/syscalls/%s/enable' % (TRACING, ev),
                      'w') as f:
                f.write('0')
        with open(TRACING + '/trace') as f:
            text = f.read()
    except OSError:
        return None
    dontneed = punch = calls = 0
    for m in re.finditer(r'sys_madvise\(start: \w+, len_in: (\w+), '
                         r'behavior: (\w+)\)', text):
        if int(m.group(2), 16) == 4:
            dontneed += int(m.group(1), 16)
            calls += 1
    for m in re.finditer(r'sys_fallocate\(fd: \w+, mode: (\w+), '
                         r'offset: \w+, len: (\w+)\)', text):
        if int(m.group(1), 16) & 2:
            punch += int(m.group(2), 16)
            calls += 1
    lost = re.search(r'entries-in-buffer/entries-written: (\d+)/(\d+)', text)
    return {'dontneed_bytes': dontneed, 'punch_bytes': punch,
            'calls': calls,
            'lost': int(lost.group(2)) - int(lost.group(1)) if lost else None}


def guest_ram_thp(pid):
    """(RSS KiB, AnonHugePages KiB) of the largest mapping (guest RAM):
    how much of it transparent huge pages back."""
    best = None
    for m in mappings(pid):
        if best is None or m[0] > best[0]:
            best = m
    return (best[1], best[2]) if best else (0, 0)


def cost_snapshot(pid, qmp_path, start):
    try:
        thp = guest_ram_thp(pid)
    except (OSError, ValueError):
        thp = None
    snap = {'t': time.monotonic(), 'threads': thread_cpu(pid), 'thp': thp,
            'stats': qmp_stats(qmp_path) if qmp_path else None}
    if start:
        snap['traced'] = trace_start(list(snap['threads']))
    else:
        snap['trace'] = trace_stop()
    return snap


def cost_result(cost, text):
    """The cost mode's figures from the two snapshots and the guest's
    summary line."""
    res = {}
    m = re.search(r'KITE-BENCH-PFLOOP-END mode=(\w+) iters=(\d+) '
                  r'secs=([\d.]+) iters_per_s=([\d.]+) mib_per_s=([\d.]+)',
                  text)
    if m:
        res.update(loop=m.group(1), iters=int(m.group(2)),
                   loop_s=float(m.group(3)), iters_per_s=float(m.group(4)),
                   mib_per_s=float(m.group(5)))
    a, b = cost.get('start'), cost.get('end')
    if not a or not b:
        return res
    pid = min(a['threads'])
    res['window_s'] = round(b['t'] - a['t'], 3)
    per = {}
    for tid, (name, sec) in b['threads'].items():
        d = sec - a['threads'].get(tid, (name, 0.0))[1]
        per['%s/%d' % (name, tid)] = round(d, 3)
    res['cpu_threads_s'] = per
    res['cpu_total_s'] = round(sum(per.values()), 3)
    if pid in b['threads']:
        res['cpu_main_s'] = round(b['threads'][pid][1] -
                                  a['threads'][pid][1], 3)
    res['guest_ram_rss_thp_kib'] = [a.get('thp'), b.get('thp')]
    tr = b.get('trace')
    if a.get('traced') and tr:
        res['discarded_bytes_traced'] = tr['dontneed_bytes'] + \
            tr['punch_bytes']
        res['discard_calls'] = tr['calls']
        res['trace_lost'] = tr['lost']
    if a.get('stats') and b.get('stats'):
        res['kite_reported_bytes'] = (b['stats'].get('reported-bytes', 0) -
                                      a['stats'].get('reported-bytes', 0))
        res['kite_discarded_bytes'] = (
            b['stats'].get('discarded-bytes', 0) -
            a['stats'].get('discarded-bytes', 0))
        res['kite_stats_end'] = b['stats']
    return res


def main():
    args = sys.argv[1:]
    timeout, hold = 120.0, 15.0
    qmp_path = None
    while args and args[0] in ('--timeout', '--hold', '--qmp'):
        if args[0] == '--timeout':
            timeout = float(args[1])
        elif args[0] == '--qmp':
            qmp_path = args[1]
        else:
            hold = float(args[1])
        args = args[2:]
    mode, name = args[0], args[1]
    assert args[2] == '--'
    argv = args[3:]
    res = {'mode': mode, 'name': name, 'ok': False}
    out = bytearray()
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    efd = p.stderr.fileno()
    os.set_blocking(efd, False)
    err = bytearray()
    marks = {}
    samples = []
    next_sample = 0.0
    quit_sent = None
    done_at = None
    cost = {}
    try:
        while True:
            now = time.monotonic() - t0
            if now > timeout:
                res['error'] = 'timed out after %.0f s' % timeout
                break
            if mode == 'reclaim' and now >= next_sample:
                try:
                    rss, big, _ = smaps(p.pid)
                    samples.append((round(now, 3), rss, big, shmem_kib()))
                except (OSError, ValueError):
                    pass
                next_sample = now + 0.1
            r, _, _ = select.select([fd, efd], [], [], 0.02)
            if efd in r:
                try:
                    err += os.read(efd, 65536)
                except BlockingIOError:
                    pass
            if fd in r:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = b''
                now = time.monotonic() - t0
                if chunk and 'first_byte' not in marks:
                    marks['first_byte'] = now
                out += chunk
                for m in ('KITE-BENCH-INIT', 'KITE-BENCH-FILLED',
                          'KITE-BENCH-FREED', '"QMP"',
                          'KITE-BENCH-PFLOOP-START', 'KITE-BENCH-PFLOOP-END',
                          'KITE-BENCH-ERROR'):
                    if m not in marks and m.encode() in out:
                        marks[m] = now
                        if mode == 'cost' and m.startswith('KITE-BENCH-PF'):
                            cost[m.rsplit('-', 1)[1].lower()] = cost_snapshot(
                                p.pid, qmp_path, m.endswith('START'))
                if not chunk and p.poll() is not None:
                    break
            if mode == 'procstart' and '"QMP"' in marks and quit_sent is None:
                quit_sent = time.monotonic() - t0
                p.stdin.write(b'{"execute":"qmp_capabilities"}\n'
                              b'{"execute":"quit"}\n')
                p.stdin.flush()
            if (mode == 'reclaim' and 'KITE-BENCH-FREED' in marks and
                    now - marks['KITE-BENCH-FREED'] >= hold):
                break
            if mode == 'cost' and (
                    re.search(rb'KITE-BENCH-PFLOOP-END[^\n]*\n', out) or
                    'KITE-BENCH-ERROR' in marks):
                if 'KITE-BENCH-ERROR' in marks:
                    time.sleep(0.5)
                    try:
                        out += os.read(fd, 65536)
                    except (BlockingIOError, OSError):
                        pass
                break
            if mode == 'boot' and 'KITE-BENCH-INIT' in marks:
                if now - marks['KITE-BENCH-INIT'] >= 2.0:
                    rss, big, size = smaps(p.pid)
                    res.update(rss_kib=rss, guest_ram_rss_kib=big,
                               guest_ram_size_kib=size,
                               overhead_kib=rss - big, ok=True,
                               top_rss=top_mappings(p.pid, size))
                    break
            if p.poll() is not None and fd not in r:
                break
        done_at = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
        p.wait()
    end = time.monotonic() - t0
    res['exit_status'] = p.returncode
    res['wall_s'] = round(end, 3)
    for k, v in marks.items():
        res['t_' + k.strip('"').lower().replace('-', '_')] = round(v, 4)
    res['first_text'] = out[:100].decode('utf-8', 'replace')
    text = out.decode('utf-8', 'replace')
    res['guest_lines'] = [l.strip() for l in text.splitlines()
                          if 'KITE-BENCH' in l][:40]
    if mode == 'reclaim':
        res['serial_tail'] = text[-1500:]
    if mode == 'procstart':
        if quit_sent is not None:
            res['qmp_ready_ms'] = round(marks['"QMP"'] * 1000, 1)
            res['quit_to_exit_ms'] = round((end - quit_sent) * 1000, 1)
            res['ok'] = p.returncode == 0
    elif mode == 'reclaim':
        res['samples'] = samples
        res['ok'] = 'KITE-BENCH-FREED' in marks
    elif mode == 'cost':
        res.update(cost_result(cost, text))
        res['ok'] = 'iters_per_s' in res and 'cpu_main_s' in res
    if not res['ok']:
        res['stdout_tail'] = out[-600:].decode('utf-8', 'replace')
        res['stderr_tail'] = err[-600:].decode('utf-8', 'replace')
    print(json.dumps(res))
    return 0 if res['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
