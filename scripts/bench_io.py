#!/usr/bin/env python3
"""Byte throughput and memory of export, import and intake, side by side with the reference
tools in the same run (issue 14). Run through `scripts/bench.sh --io` (or `--smoke`).

Every line is timed RUNS times, alternating Saksi and its reference; it prints the median and
min-max wall time of each, the ratio of the medians, and the peak RSS (ru_maxrss from wait4) of
every process. Data is generated from BENCH_SEED: 4000x3000 JPEGs made by ImageMagick (a few
bases, then unique copies by a seeded JPEG comment segment), and video-sized files of
AES-CTR keystream (openssl, keyed by the seed).

Sizes (MiB) and counts come from the environment, so a loaded machine can run less:
  BENCH_IO_MIB      photos in the exported bundle       (default 1024; smoke 16)
  BENCH_MEM_MIB     two file sizes for the memory check  (default "128 2048"; smoke "8 32")
  BENCH_INTAKE_MIB  the large intake                     (default 512; smoke 16)
  BENCH_BUNDLES     bundles imported with one unlock     (default 50; smoke 5)
  BENCH_IO_RUNS     runs per line                        (default 5; smoke 3)
  BENCH_MEM_TOLERANCE_MIB  how much more peak RSS the larger size may take (default 8)
The memory check fails (exit 1) if import's or export's peak grows by more than the tolerance.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SAKSI = os.environ.get("SAKSI_BIN", "target/release/saksi")
SEED = int(os.environ.get("BENCH_SEED", "14"))
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
IO_MIB = int(os.environ.get("BENCH_IO_MIB", "16" if SMOKE else "1024"))
MEM_MIB = [int(x) for x in os.environ.get("BENCH_MEM_MIB", "8 32" if SMOKE else "128 2048").split()]
INTAKE_MIB = int(os.environ.get("BENCH_INTAKE_MIB", "16" if SMOKE else "512"))
BUNDLES = int(os.environ.get("BENCH_BUNDLES", "5" if SMOKE else "50"))
RUNS = int(os.environ.get("BENCH_IO_RUNS", "3" if SMOKE else "5"))
TOLERANCE = int(os.environ.get("BENCH_MEM_TOLERANCE_MIB", "8"))
ONLY = set(os.environ.get("BENCH_IO_ONLY", "").split())
CONVERT = shutil.which("convert-im6.q16") or shutil.which("convert") or "convert"
PASS = "benchmark passphrase"


def run(cmd, env=None, cwd=None, stdin=None):
    """Runs `cmd` (a list, or a string for bash); gives (seconds, peak RSS in MiB)."""
    if isinstance(cmd, str):
        cmd = ["bash", "-o", "pipefail", "-c", cmd]
    start = time.monotonic()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin:
        p.stdin.write(stdin.encode())
        p.stdin.close()
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{out.decode()[-2000:]}\n{err.decode()[-2000:]}")
    run.last_out = out.decode()
    return secs, ru.ru_maxrss / 1024


class Vault:
    def __init__(self, root, name):
        self.path = os.path.join(root, name)
        self.env = dict(os.environ, SAKSI_VAULT=self.path, SAKSI_PASSPHRASE=PASS, SAKSI_KDF="minimum")

    def __call__(self, *args, stdin=None):
        run([SAKSI, *args], env=self.env, stdin=stdin)
        return run.last_out.strip()

    def timed(self, *args):
        return run([SAKSI, *args], env=self.env)


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def line(name, saksi, ref, note=""):
    """Prints one table line: Saksi and reference medians (min-max), the ratio, peak RSS."""
    (st, sr), (rt, rr) = zip(*saksi), zip(*ref)
    sm, smin, smax = stats(list(st))
    rm, rmin, rmax = stats(list(rt))
    print(f"| {name} | {sm:.2f} ({smin:.2f}–{smax:.2f}) s, {max(sr):.1f} MiB | "
          f"{rm:.2f} ({rmin:.2f}–{rmax:.2f}) s, {max(rr):.1f} MiB | **{sm / rm:.2f}×** | {note} |",
          flush=True)


def keystream(path, mib, salt):
    # `head` closes the pipe: openssl's SIGPIPE is the expected end, not a failure.
    run(f"(openssl enc -aes-256-ctr -nosalt -pass pass:saksi-bench-{SEED}-{salt} -pbkdf2 "
        f"< /dev/zero 2>/dev/null || true) | head -c {mib << 20} > '{path}'")


def jpeg_bases(work, n):
    bases = []
    for i in range(n):
        p = os.path.join(work, f"base{i}.jpg")
        run([CONVERT, "-seed", str(SEED * 100 + i), "-size", "4000x3000", "plasma:fractal",
             "-attenuate", "0.6", "+noise", "Gaussian", "-quality", "88", p])
        bases.append(open(p, "rb").read())
    return bases


def unique_jpeg(base, k):
    """A copy of `base` made unique by a comment segment right after SOI (a valid JPEG)."""
    text = f"saksi bench seed {SEED} photo {k}".encode()
    seg = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    return base[:2] + seg + base[2:]


def photos(work, bases, mib, name):
    d = os.path.join(work, name)
    os.makedirs(d)
    total, k = 0, 0
    while total < mib << 20:
        data = unique_jpeg(bases[k % len(bases)], k)
        with open(os.path.join(d, f"IMG_{k:05}.jpg"), "wb") as f:
            f.write(data)
        total += len(data)
        k += 1
    return d, sorted(os.path.join(d, f) for f in os.listdir(d)), total


def pair(work, tag):
    """A monitor and an HQ that trust each other; gives (mon, hq, hq age identity file, recipient)."""
    mon, hq = Vault(work, f"mon-{tag}"), Vault(work, f"hq-{tag}")
    mon("init", "--device-name", f"monitor-{tag}")
    hq("init", "--device-name", f"HQ-{tag}")
    key = os.path.join(work, f"hq-{tag}.key")
    hq("keygen", "--out", key)
    card = os.path.join(work, f"hq-{tag}.card")
    hq("device", "card", "--out", card)
    mon("recipient", "add", "hq", "--card", card)
    mcard = os.path.join(work, f"mon-{tag}.card")
    mon("device", "card", "--out", mcard)
    hq("trust", "add", mcard)
    rcp = run(["age-keygen", "-y", key]) and run.last_out.strip()
    return mon, hq, key, rcp


def incident(v, title):
    return v("incident", "add", stdin='{"title": "%s", "kinds": ["assault"]}' % title)


def fresh_copy(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def want(what):
    return not ONLY or what in ONLY


def main():
    work = tempfile.mkdtemp(prefix="saksi-bench-io-", dir=os.environ.get("BENCH_DIR"))
    try:
        bench(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work):
    load = os.getloadavg()
    print(f"\nsaksi: {SAKSI}; seed {SEED}; {RUNS} runs per line; load average {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f}; SAKSI_KDF=minimum (Argon2id 64 MiB)")
    ok = True
    bases = jpeg_bases(work, 1 if SMOKE else 4) if (want("export") or want("import") or want("jpeg")) else []
    unlock = []
    print("\n| work | Saksi: median (min–max), peak RSS | reference | ratio | notes |")
    print("|---|---|---|---|---|")

    if want("export") or want("import"):
        mon, hq, key, rcp = pair(work, "photos")
        inc = incident(mon, "photos")
        d, files, total = photos(work, bases, IO_MIB, "photos")
        for i in range(0, len(files), 50):
            mon("attach", inc, *files[i:i + 50])
        for _ in range(RUNS):
            unlock.append(mon.timed("evidence", "list"))
        bundle = os.path.join(work, "photos.saksi")
        s, r = [], []
        for i in range(RUNS):
            out = os.path.join(work, f"export-{i}.saksi")
            s.append(mon.timed("export", "--to", "hq", "--out", out))
            r.append(run(f"tar cf - -C '{work}' photos | age -r '{rcp}' -o '{work}/ref.age'"))
            os.remove(f"{work}/ref.age")
            if i == 0:
                os.replace(out, bundle)
            else:
                os.remove(out)
        mib = total / (1 << 20)
        line(f"export {len(files)} photos, {mib:.0f} MiB", s, r,
             f"`tar c | age -r`; Saksi {mib / statistics.median([x for x, _ in s]):.0f} MiB/s")
        pristine = hq.path + ".pristine"
        shutil.copytree(hq.path, pristine, symlinks=True)
        s, r, rs = [], [], []
        x = os.path.join(work, "ref-x")
        for i in range(RUNS):
            fresh_copy(pristine, hq.path)
            run("sync")
            s.append(hq.timed("import", bundle))
            for out, durable in ((r, ""), (rs, f" && sync -f '{x}'")):
                shutil.rmtree(x, ignore_errors=True)
                os.makedirs(x)
                run("sync")
                out.append(run(f"age -d -i '{key}' '{bundle}' | tar xf - -C '{x}'{durable}"))
        shutil.rmtree(x, ignore_errors=True)
        line(f"import that bundle ({mib:.0f} MiB)", s, r,
             f"`age -d | tar x`; Saksi {mib / statistics.median([x for x, _ in s]):.0f} MiB/s")
        # Saksi's import is on disk when it returns (fsync before commit); `tar x` alone is not.
        line(f"import that bundle ({mib:.0f} MiB), durable reference", s, rs,
             "`age -d | tar x && sync -f`: the reference's files on disk too")
        shutil.rmtree(d)

    if want("memory"):
        peaks = {}
        for mib in MEM_MIB:
            mon, hq, key, rcp = pair(work, f"mem{mib}")
            inc = incident(mon, "video")
            big = os.path.join(work, f"video-{mib}.bin")
            keystream(big, mib, f"mem{mib}")
            mon("attach", inc, big)
            os.remove(big)
            b = os.path.join(work, f"mem{mib}.saksi")
            ex = mon.timed("export", "--to", "hq", "--out", b)
            im = hq.timed("import", b)
            base = mon.timed("evidence", "list")
            peaks[mib] = (ex, im, base)
            print(f"| peak memory at {mib} MiB: export / import / bare unlock | {ex[1]:.1f} / {im[1]:.1f} / "
                  f"{base[1]:.1f} MiB | — | — | {ex[0]:.2f} s / {im[0]:.2f} s / {base[0]:.2f} s |", flush=True)
            for v in (mon, hq):
                shutil.rmtree(v.path)
            os.remove(b)
        lo, hi = min(MEM_MIB), max(MEM_MIB)
        for k, what in ((0, "export"), (1, "import")):
            grow = peaks[hi][k][1] - peaks[lo][k][1]
            over_kdf = peaks[hi][k][1] - peaks[hi][2][1]
            verdict = "flat" if grow <= TOLERANCE else "GROWS"
            print(f"| {what} peak RSS {hi} MiB − {lo} MiB | {grow:+.1f} MiB ({verdict}); "
                  f"above a bare unlock: {over_kdf:+.1f} MiB | — | — | tolerance {TOLERANCE} MiB |")
            ok = ok and grow <= TOLERANCE

    if want("batch"):
        mon, hq, key, rcp = pair(work, "batch")
        inbox = os.path.join(work, "inbox")
        os.makedirs(inbox)
        small = os.path.join(work, "note.bin")
        for i in range(BUNDLES):
            inc = incident(mon, f"incident {i}")
            keystream(small, 1, f"batch{i}")
            mon("attach", inc, small)
            mon("export", "--to", "hq", "--since-last", "--out", os.path.join(inbox, f"{i:03}.saksi"))
        pristine = hq.path + ".pristine"
        shutil.copytree(hq.path, pristine, symlinks=True)
        s, r = [], []
        x = os.path.join(work, "ref-batch")
        for _ in range(RUNS):
            fresh_copy(pristine, hq.path)
            s.append(hq.timed("import", inbox))
            shutil.rmtree(x, ignore_errors=True)
            os.makedirs(x)
            r.append(run(f"for f in '{inbox}'/*.saksi; do mkdir -p '{x}'/$(basename $f); "
                         f"age -d -i '{key}' $f | tar xf - -C '{x}'/$(basename $f) || exit 1; done"))
        line(f"{BUNDLES} bundles (1 incident + 1 MiB file each) into HQ, one `saksi import DIR`", s, r,
             f"{BUNDLES} × `age -d | tar x`")

    if want("intake"):
        v = Vault(work, "intake")
        v("init", "--device-name", "intake")
        inc = incident(v, "intake")
        big = os.path.join(work, "video.bin")
        keystream(big, INTAKE_MIB, "intake")
        idf = os.path.join(work, "intake.key")
        run(["age-keygen", "-o", idf])
        rcp = run(["age-keygen", "-y", idf]) and run.last_out.strip()
        s, r = [], []
        for _ in range(RUNS):
            s.append(v.timed("attach", inc, big))
            r.append(run(f"openssl dgst -sha256 '{big}' >/dev/null && age -r '{rcp}' -o '{work}/v.age' '{big}'"))
        unlock_v = [v.timed("evidence", "list") for _ in range(RUNS)]
        u = statistics.median([t for t, _ in unlock_v])
        sm = statistics.median([t for t, _ in s])
        line(f"intake of a {INTAKE_MIB} MiB file", s, r,
             f"`openssl dgst -sha256` + `age -r`; Saksi {INTAKE_MIB / sm:.0f} MiB/s, "
             f"{INTAKE_MIB / max(sm - u, 1e-3):.0f} MiB/s without the unlock ({u:.2f} s)")
        os.remove(big)

    if want("jpeg"):
        v = Vault(work, "jpeg")
        v("init", "--device-name", "jpeg")
        inc = incident(v, "jpeg")
        idf = os.path.join(work, "jpeg.key")
        run(["age-keygen", "-o", idf])
        rcp = run(["age-keygen", "-y", idf]) and run.last_out.strip()
        s, r = [], []
        for i in range(RUNS):
            p = os.path.join(work, f"photo-{i}.jpg")
            open(p, "wb").write(unique_jpeg(bases[0], 100000 + i))
            s.append(v.timed("attach", inc, p))
            r.append(run(f"openssl dgst -sha256 '{p}' >/dev/null && age -r '{rcp}' -o '{work}/p.age' '{p}' "
                         f"&& '{CONVERT}' '{p}' -thumbnail 320x320 '{work}/t.jpg'"))
        unlock_v = [v.timed("evidence", "list") for _ in range(RUNS)]
        u = statistics.median([t for t, _ in unlock_v])
        sm = statistics.median([t for t, _ in s])
        rm = statistics.median([t for t, _ in r])
        line(f"intake of a 4000×3000 JPEG ({len(bases[0]) / (1 << 20):.1f} MiB)", s, r,
             f"dgst + `age -r` + `convert -thumbnail`; without the unlock ({u:.2f} s): {(sm - u) / rm:.2f}×")

    if unlock:
        m, lo, hi = stats([t for t, _ in unlock])
        print(f"\nbare unlock (`saksi evidence list`): {m:.2f} ({lo:.2f}–{hi:.2f}) s, "
              f"{max(x for _, x in unlock):.1f} MiB")
    if not ok:
        sys.exit("memory check failed: peak RSS grows with the bundle's size")


if __name__ == "__main__":
    main()
