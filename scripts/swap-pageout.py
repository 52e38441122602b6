#!/usr/bin/env python3
"""Pages out every private writable mapping of the given processes (process_madvise with
MADV_PAGEOUT), as memory pressure would: their anonymous pages go to swap. Root only. Used by
the swap check of docs/security-testing.md ("Swap"): `python3 scripts/swap-pageout.py PID...`."""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_open, SYS_process_madvise, MADV_PAGEOUT = 434, 440, 21
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
for pid in map(int, sys.argv[1:]):
    fd = libc.syscall(SYS_pidfd_open, pid, 0)
    if fd < 0:
        print(pid, "pidfd_open failed", ctypes.get_errno()); continue
    total = 0
    for line in open(f"/proc/{pid}/maps"):
        parts = line.split()
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if not parts[1].startswith("rw") or parts[1][3] != "p":
            continue
        # one range at a time (the kernel caps an iovec batch)
        pos = start
        while pos < end:
            n = min(end - pos, 1 << 30)
            iov = iovec(pos, n)
            r = libc.syscall(SYS_process_madvise, fd, ctypes.byref(iov), 1, MADV_PAGEOUT, 0)
            if r > 0: total += r
            pos += n
    os.close(fd)
    swap = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmSwap")]
    print(pid, "advised", total >> 20, "MiB;", swap[0].strip() if swap else "")
