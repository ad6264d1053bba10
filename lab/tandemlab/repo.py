"""The lab's signed Debian repository: .debs collected with mmdebstrap (cached, keyed by the lock),
an apt-ftparchive tree signed with a throwaway lab key, served by python3 -m http.server."""
import glob
import os
import shutil
import socket
import subprocess
import urllib.parse

from . import image
from .paths import lab_cache, lab_dir
from .util import (LabError, log, pid_alive, proc_cmdline, read_pid, run, sha256_parts,
                   wait_for, wait_pid_exit, Timer)


def all_packages(lab):
    return list(dict.fromkeys(lab.image_packages + lab.repo_packages))


def debs_key(lab):
    return sha256_parts(lab.suite, "\n".join(image.pinned(lab, all_packages(lab))))[:16]


def debs_dir(lab):
    return os.path.join(lab_cache(), f"debs-{debs_key(lab)}")


def repo_root():
    return os.path.join(lab_dir(), "repo")


def keyring_file():
    return os.path.join(repo_root(), "lab-archive-keyring.gpg")


def gnupg_home():
    return os.path.join(lab_dir(), "gnupg")


def deb_versions(d):
    """name -> set of versions found in a directory of .debs (file names carry the URL-encoded epoch)."""
    found = {}
    for p in glob.glob(os.path.join(d, "*.deb")):
        parts = os.path.basename(p)[:-4].split("_")
        if len(parts) == 3:
            found.setdefault(parts[0], set()).add(urllib.parse.unquote(parts[1]))
    return found


def ensure_debs(lab):
    """Collect the .debs for the whole package set (with dependencies). Returns True if collected."""
    d = debs_dir(lab)
    if os.path.exists(os.path.join(d, "ok")):
        return False
    os.makedirs(lab_cache(), exist_ok=True)
    t = Timer()
    pkgs = all_packages(lab)
    log(f"collecting .debs for {len(pkgs)} locked packages and their dependencies (mmdebstrap; about 30 s)")
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    cmd = ["mmdebstrap", "--variant=minbase", "--mode=root", "--skip=essential/unlink",
           "--include=" + ",".join(image.pinned(lab, pkgs)),
           '--setup-hook=mkdir -p "$1"/var/cache/apt/archives/',
           f"--customize-hook=sync-out /var/cache/apt/archives {tmp}",
           lab.suite, "/dev/null"] + image.machine_mirrors(lab.suite)
    rc, lines = image.stream(cmd, "debs")
    if rc != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabError(f"collecting the lab repository's packages failed:\n{image.apt_errors(lines)}")
    shutil.rmtree(os.path.join(tmp, "partial"), ignore_errors=True)
    if os.path.exists(os.path.join(tmp, "lock")):
        os.remove(os.path.join(tmp, "lock"))
    found = deb_versions(tmp)
    missing = [f"{n}={lab.lock[n]}" for n in pkgs if lab.lock[n] not in found.get(n, ())]
    if missing:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabError(f"locked packages missing from the collected set: {', '.join(missing)}")
    open(os.path.join(tmp, "ok"), "w").close()
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    n = len(glob.glob(os.path.join(d, "*.deb")))
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(d, "*.deb"))) // (1 << 20)
    log(f"collected {n} .debs ({size} MiB) in {t}")
    for old in glob.glob(os.path.join(lab_cache(), "debs-*")):
        if old != d and not old.endswith(".tmp"):
            shutil.rmtree(old, ignore_errors=True)
    return True


def _gpg(*args, check=True, input=None):
    env = dict(os.environ, GNUPGHOME=gnupg_home())
    return run(["gpg", "--batch", "--quiet", *args], env=env, check=check, input=input)


def kill_agent():
    if os.path.isdir(gnupg_home()):
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=gnupg_home()),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fingerprint():
    p = _gpg("--list-secret-keys", "--with-colons", check=False)
    for line in p.stdout.splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    return None


def ensure_key():
    """The lab signing key (ed25519, no passphrase) in a throwaway GNUPGHOME under the state dir."""
    os.makedirs(gnupg_home(), mode=0o700, exist_ok=True)
    os.chmod(gnupg_home(), 0o700)
    fpr = fingerprint()
    changed = False
    if not fpr:
        log("creating the lab repository signing key (ed25519)")
        _gpg("--passphrase", "", "--quick-gen-key", "Tandem lab repository <repo@lab.invalid>", "ed25519", "sign", "never")
        fpr = fingerprint()
        changed = True
    os.makedirs(repo_root(), exist_ok=True)
    if changed or not os.path.exists(keyring_file()):
        data = subprocess.run(["gpg", "--batch", "--export", fpr], env=dict(os.environ, GNUPGHOME=gnupg_home()),
                              stdout=subprocess.PIPE, check=True).stdout
        with open(keyring_file(), "wb") as f:
            f.write(data)
        changed = True
    return fpr, changed


def ensure_repo(lab):
    """Build and sign the apt-ftparchive tree from the cached debs unless it is current. Returns True if built."""
    fpr, _ = ensure_key()
    d = debs_dir(lab)
    tree = os.path.join(repo_root(), "debian")
    stamp = os.path.join(repo_root(), "stamp")
    want = f"{debs_key(lab)} {fpr} {lab.suite}\n"
    try:
        if open(stamp).read() == want:
            kill_agent()
            return False
    except OSError:
        pass
    t = Timer()
    log("building the signed lab repository (apt-ftparchive)")
    shutil.rmtree(tree, ignore_errors=True)
    pool = os.path.join(tree, "pool", "main")
    binary = os.path.join(tree, "dists", lab.suite, "main", "binary-amd64")
    os.makedirs(pool)
    os.makedirs(binary)
    for p in glob.glob(os.path.join(d, "*.deb")):
        try:
            os.link(p, os.path.join(pool, os.path.basename(p)))
        except OSError:
            shutil.copy2(p, pool)
    p = subprocess.run(["apt-ftparchive", "packages", "pool"], cwd=tree, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise LabError(f"apt-ftparchive packages failed: {p.stderr.strip()}")
    with open(os.path.join(binary, "Packages"), "w") as f:
        f.write(p.stdout)
    run(["gzip", "-9kf", os.path.join(binary, "Packages")])
    opts = []
    for k, v in (("Origin", "Tandem-lab"), ("Label", "Tandem-lab"), ("Suite", lab.suite), ("Codename", lab.suite),
                 ("Architectures", "amd64"), ("Components", "main")):
        opts += ["-o", f"APT::FTPArchive::Release::{k}={v}"]
    p = subprocess.run(["apt-ftparchive", *opts, "release", f"dists/{lab.suite}"], cwd=tree,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise LabError(f"apt-ftparchive release failed: {p.stderr.strip()}")
    rel = os.path.join(tree, "dists", lab.suite, "Release")
    with open(rel, "w") as f:
        f.write(p.stdout)
    try:
        _gpg("--yes", "--local-user", fpr, "--clearsign", "-o", os.path.join(tree, "dists", lab.suite, "InRelease"), rel)
        _gpg("--yes", "--local-user", fpr, "--armor", "--detach-sign", "-o", rel + ".gpg", rel)
    finally:
        kill_agent()
    with open(stamp, "w") as f:
        f.write(want)
    log(f"lab repository signed and ready in {t}: {tree}")
    return True


# --- the HTTP server -------------------------------------------------------------------------

SERVER_USER, SERVER_GROUP = "nobody", "nogroup"
SERVER_PYTHON = "/usr/bin/python3"     # readable by nobody, unlike an interpreter under /root


def http_pidfile():
    return os.path.join(lab_dir(), "run", "http.pid")


def http_pid():
    pid = read_pid(http_pidfile())
    if pid and pid_alive(pid) and b"http.server" in proc_cmdline(pid):
        return pid
    return None


def _port_open(addr, port):
    try:
        with socket.create_connection((str(addr), port), timeout=0.5):
            return True
    except OSError:
        return False


def ensure_server(lab):
    if http_pid():
        return False
    stop_server()   # a server whose pid file was lost would hold the port
    os.makedirs(os.path.join(lab_dir(), "run"), exist_ok=True)
    os.makedirs(os.path.join(lab_dir(), "logs"), exist_ok=True)
    logf = open(os.path.join(lab_dir(), "logs", "http.log"), "ab")
    # Unprivileged: it only reads the repository (world-readable) and binds a port above 1024. The
    # router lets only the lab's hosts reach it (net.router_filter).
    p = subprocess.Popen([SERVER_PYTHON, "-m", "http.server", "--bind", str(lab.machine_address),
                          "--directory", repo_root(), str(lab.apt_port)],
                         stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
                         user=SERVER_USER, group=SERVER_GROUP, extra_groups=[], cwd="/")
    with open(http_pidfile(), "w") as f:
        f.write(f"{p.pid}\n")
    try:
        wait_for(lambda: p.poll() is not None or _port_open(lab.machine_address, lab.apt_port), 10,
                 f"the lab repository server on {lab.machine_address}:{lab.apt_port}")
    finally:
        if p.poll() is not None:
            raise LabError(f"the lab repository server exited (rc {p.returncode}); see {logf.name}")
    log(f"serving the lab repository at {lab.apt_uri}")
    return True


def stray_servers():
    """Every repository server serving this state dir, whether or not its pid file knows it."""
    want = repo_root().encode()
    out = []
    for p in glob.glob("/proc/[0-9]*"):
        pid = int(p[6:])
        cmd = proc_cmdline(pid)
        if b"http.server" in cmd and want in cmd and pid_alive(pid):
            out.append(pid)
    return out


def stop_server():
    pids = set(stray_servers())
    if http_pid():
        pids.add(http_pid())
    for pid in pids:
        os.kill(pid, 15)
    for pid in pids:
        if not wait_pid_exit(pid, 5):
            os.kill(pid, 9)
            wait_pid_exit(pid, 5)
    if os.path.exists(http_pidfile()):
        os.remove(http_pidfile())
    return bool(pids)
