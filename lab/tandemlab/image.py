"""The base image: a minimal Debian rootfs built with mmdebstrap, prepared like a cloud image,
cached as a directory (the overlay lower layer) keyed by a hash of its recipe."""
import glob
import os
import re
import shutil
import subprocess

from .paths import lab_cache
from .util import LabError, log, sha256_parts, Timer

# Units that only make noise (or delay boot) in a lab container.
MASKED_UNITS = [
    "apt-daily.timer", "apt-daily.service", "apt-daily-upgrade.timer", "apt-daily-upgrade.service",
    "dpkg-db-backup.timer", "dpkg-db-backup.service", "e2scrub_all.timer", "e2scrub_all.service",
    "e2scrub_reap.service", "fstrim.timer", "fstrim.service", "systemd-pstore.service",
    "systemd-networkd-wait-online.service",
]

APT_CONF = """\
// Written by the Tandem lab: fail fast, the lab repository is the only source.
Acquire::http::Timeout "10";
Acquire::Retries "0";
Acquire::Languages "none";
APT::Install-Recommends "false";
"""

SSHD_CONF = """\
# Written by the Tandem lab: keys only, no root.
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
"""

SOURCES_GLOBS = ["/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources"]


def _parse_one_line(line):
    line = line.split("#", 1)[0].strip()
    if not line:
        return None
    m = re.match(r"^(deb|deb-src)\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$", line)
    if not m:
        return None
    opts = {}
    if m.group(2):
        for o in m.group(2).strip()[1:-1].split():
            k, _, v = o.partition("=")
            opts[k.lower()] = v
    return {"types": [m.group(1)], "uris": [m.group(3)], "suites": [m.group(4)],
            "components": m.group(5).split(), "signed-by": opts.get("signed-by")}


def _parse_deb822(text):
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += "\n" + raw.strip()
                continue
            k, sep, v = raw.partition(":")
            if sep:
                key = k.strip().lower()
                fields[key] = v.strip()
        if not fields or fields.get("enabled", "yes").lower() == "no":
            continue
        signed = fields.get("signed-by", "")
        out.append({"types": fields.get("types", "").split(), "uris": fields.get("uris", "").split(),
                    "suites": fields.get("suites", "").split(), "components": fields.get("components", "").split(),
                    "signed-by": signed if signed and "\n" not in signed and signed.startswith("/") else None})
    return out


def machine_mirrors(suite, globs=None):
    """The machine's own apt sources for `suite` (and -updates, -security), as one-line entries for
    mmdebstrap. Never a hard-coded mirror."""
    entries = []
    for g in globs or SOURCES_GLOBS:
        for path in sorted(glob.glob(g)):
            try:
                with open(path) as f:
                    text = f.read()
            except OSError:
                continue
            if path.endswith(".sources"):
                entries += _parse_deb822(text)
            else:
                entries += [e for e in map(_parse_one_line, text.splitlines()) if e]
    wanted = {suite, f"{suite}-updates", f"{suite}-security"}
    lines = []
    for e in entries:
        if "deb" not in e["types"] or "main" not in e["components"]:
            continue
        for uri in e["uris"]:
            for s in e["suites"]:
                if s in wanted:
                    opt = f"[signed-by={e['signed-by']}] " if e["signed-by"] and os.path.exists(e["signed-by"]) else ""
                    line = f"deb {opt}{uri} {s} main"
                    if line not in lines:
                        lines.append(line)
    if not any(l.split()[-2] == suite for l in lines):
        raise LabError(f"no apt source for Debian {suite} main in the machine's apt configuration "
                       f"({', '.join(SOURCES_GLOBS)}); the lab takes its mirror from there")
    return lines


def pinned(lab, names):
    return [f"{n}={lab.lock[n]}" for n in names]


def recipe_hash(lab):
    here = os.path.dirname(os.path.abspath(__file__))
    code = open(os.path.join(here, "image.py"), "rb").read()
    return sha256_parts(lab.suite, "\n".join(pinned(lab, lab.image_packages)), code)[:16]


def image_dir(lab):
    return os.path.join(lab_cache(), f"image-{recipe_hash(lab)}")


def rootfs(lab):
    return os.path.join(image_dir(lab), "rootfs")


def stream(cmd, tag, env=None):
    """Run cmd, echo its output prefixed with tag, return (rc, lines)."""
    lines = []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in p.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        print(f"  [{tag}] {line}", flush=True)
    return p.wait(), lines


def apt_errors(lines):
    errs = [l for l in lines if l.startswith("E:") or "Unable to locate package" in l
            or "was not found" in l or "has no installation candidate" in l]
    return "\n".join(dict.fromkeys(errs)) or "\n".join(lines[-15:])


def ensure_image(lab):
    """Build the image if this recipe has none. Returns True if it was built."""
    d = image_dir(lab)
    root = os.path.join(d, "rootfs")
    if os.path.exists(os.path.join(d, "ok")):
        return False
    os.makedirs(lab_cache(), exist_ok=True)
    t = Timer()
    log(f"building base image {os.path.basename(d)} (mmdebstrap, {len(lab.image_packages)} packages; about 30 s)")
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    cmd = ["mmdebstrap", "--variant=minbase", "--mode=root", "--format=directory",
           "--include=" + ",".join(pinned(lab, lab.image_packages)),
           "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
           "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
           lab.suite, os.path.join(tmp, "rootfs")] + machine_mirrors(lab.suite)
    rc, lines = stream(cmd, "image")
    if rc != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabError(f"mmdebstrap failed building the base image:\n{apt_errors(lines)}")
    prepare(os.path.join(tmp, "rootfs"))
    with open(os.path.join(tmp, "recipe.txt"), "w") as f:
        f.write("\n".join([lab.suite] + pinned(lab, lab.image_packages)) + "\n")
    open(os.path.join(tmp, "ok"), "w").close()
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    log(f"base image ready in {t}: {root}")
    return True


def prune_images(lab, in_use):
    """Delete cached images of other recipes that no mounted clone uses."""
    keep = image_dir(lab)
    for d in glob.glob(os.path.join(lab_cache(), "image-*")):
        if d != keep and os.path.join(d, "rootfs") not in in_use:
            log(f"removing stale image {os.path.basename(d)}")
            shutil.rmtree(d, ignore_errors=True)


def _write(root, rel, text, mode=0o644):
    p = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)


def prepare(root):
    """Cloud-image style preparation of the golden rootfs (host-independent parts)."""
    for p in ["etc/apt/sources.list"] + glob.glob(os.path.join(root, "etc/apt/sources.list.d/*")):
        p = p if p.startswith("/") else os.path.join(root, p)
        if os.path.lexists(p):
            os.remove(p)
    _write(root, "etc/apt/apt.conf.d/90lab", APT_CONF)
    _write(root, "etc/ssh/sshd_config.d/10-lab.conf", SSHD_CONF)
    for unit in MASKED_UNITS:
        p = os.path.join(root, "etc/systemd/system", unit)
        if os.path.lexists(p):
            os.remove(p)
        os.symlink("/dev/null", p)
    for p in glob.glob(os.path.join(root, "etc/ssh/ssh_host_*")):
        os.remove(p)
    open(os.path.join(root, "etc/machine-id"), "w").close()
    dbus_id = os.path.join(root, "var/lib/dbus/machine-id")
    if os.path.lexists(dbus_id):
        os.remove(dbus_id)
    for p in ("etc/hostname",):
        if os.path.lexists(os.path.join(root, p)):
            os.remove(os.path.join(root, p))
    shutil.rmtree(os.path.join(root, "var/lib/apt/lists"), ignore_errors=True)
    os.makedirs(os.path.join(root, "var/lib/apt/lists/partial"), exist_ok=True)
    for p in glob.glob(os.path.join(root, "var/cache/apt/*.bin")):
        os.remove(p)
