"""Small shared helpers: errors, running commands, progress output, waiting."""
import hashlib
import os
import subprocess
import sys
import time


class LabError(Exception):
    exit_code = 1


def log(msg):
    print(f"lab: {msg}", flush=True)


def warn(msg):
    print(f"lab: warning: {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, capture=True, input=None, env=None, timeout=None):
    """Run a command (list). On failure raise LabError with the command and its stderr."""
    try:
        p = subprocess.run(cmd, input=input, text=True, env=env, timeout=timeout,
                           stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE if capture else None)
    except FileNotFoundError:
        raise LabError(f"command not found: {cmd[0]}") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"timed out after {timeout}s: {' '.join(cmd)}") from None
    if check and p.returncode != 0:
        err = (p.stderr or "").strip() if capture else ""
        raise LabError(f"command failed (rc {p.returncode}): {' '.join(cmd)}" + (f"\n{err}" if err else ""))
    return p


def ok(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def out(cmd):
    return run(cmd).stdout


def is_mount_point(path):
    """True if something is mounted on path. os.path.ismount cannot tell: iproute2's /run/netns is a
    bind mount of a directory onto itself, on the same device."""
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4].replace("\\040", " ") == path for line in f)


def sha256_parts(*parts):
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, str):
            p = p.encode()
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()


def wait_for(pred, deadline_s, what, interval=0.05):
    """Poll pred() until it returns a truthy value or the deadline passes (then LabError naming `what`,
    a string or a function that describes what is still missing)."""
    end = time.monotonic() + deadline_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise LabError(f"timed out after {deadline_s}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()[0]
        return st not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def wait_pid_exit(pid, deadline_s):
    """Wait until pid is gone (or a zombie). Returns True if it exited in time."""
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        return True
    import select
    try:
        end = time.monotonic() + deadline_s
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return not pid_alive(pid)
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if r or not pid_alive(pid):
                return True
    finally:
        os.close(fd)


class Timer:
    def __init__(self):
        self.t0 = time.monotonic()

    def __str__(self):
        return f"{time.monotonic() - self.t0:.1f}s"
