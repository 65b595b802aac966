#!/usr/bin/env python3
"""Plot the reclaim benchmark: VMM RSS over time around the moment the
guest deletes its tmpfs file, anonymous and memfd RAM side by side.

    plot-reclaim.py RECLAIM.json OUTPUT.png [FILL_MIB]

Needs matplotlib (Debian: python3-matplotlib).  Exit 77 without it.
"""
import json
import sys

try:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
except ImportError:
    sys.stderr.write('plot-reclaim: no matplotlib\n')
    sys.exit(77)


def main():
    res = json.load(open(sys.argv[1]))
    png = sys.argv[2]
    fill = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, mem in zip(axes, ('anon', 'memfd')):
        for r in res:
            if not r['name'].endswith(mem) or not r.get('samples'):
                continue
            t0 = r.get('t_kite_bench_freed', 0)
            xs = [x[0] - t0 for x in r['samples']]
            ys = [x[1] / 1024 for x in r['samples']]
            who = 'Kite' if r['name'].startswith('kite') else 'QEMU 7.2 (q35)'
            ax.plot(xs, ys, label=who)
        ax.axvline(0, color='grey', linestyle=':', linewidth=1)
        ax.set_title('%s RAM: 512 MiB guest frees %d MiB' % (
            'anonymous' if mem == 'anon' else 'memfd share=on', fill))
        ax.set_xlabel('seconds since the guest deleted the file')
        ax.set_xlim(-15, 16)
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[0].set_ylabel('VMM RSS (MiB)')
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    return 0


if __name__ == '__main__':
    sys.exit(main())
