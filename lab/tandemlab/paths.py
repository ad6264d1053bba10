"""Every cache and state path of the project, defined once.

The Makefile reads them from here (`python3 lab/tandemlab/paths.py` prints NAME=value lines) and
exports them, so the scripts, Ansible and the tests it runs get them from the environment; the
Python code (the lab CLI, the tests) imports this module. Two variables move everything:

  TANDEM_CACHE    caches that survive the lab: images, .debs, Maven, Go tools, PKI, release key,
                  logs
                  (default: $XDG_CACHE_HOME/tandem, or ~/.cache/tandem)
  TANDEM_LAB_DIR  the running lab's state: clones, namespaces' pid files, environment.json
                  (default: /var/lib/tandem-lab)

Stdlib only, no package imports: it also runs as a plain script.
"""
import os
import sys


def cache_root():
    explicit = os.environ.get("TANDEM_CACHE")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "tandem")


def lab_dir():
    return os.environ.get("TANDEM_LAB_DIR") or "/var/lib/tandem-lab"


def lab_cache():
    """Base images and collected .debs (rebuilt only when their recipe changes)."""
    return os.path.join(cache_root(), "lab")


def lab_env_file():
    """The environment description the lab writes on every `up` (docs/inventory-contract.md)."""
    return os.path.join(lab_dir(), "environment.json")


def env_file():
    """The environment description Ansible and the tests read: the lab's unless told otherwise."""
    return os.environ.get("TANDEM_ENV_FILE") or lab_env_file()


def pki_dir():
    """The lab CA and the LB certificate, made by the lab_pki role on the controller."""
    return os.path.join(cache_root(), "pki")


def release_key_dir():
    """The release signing key (tools/release), never inside the repository."""
    return os.path.join(cache_root(), "release-key")


def maven_home():
    """Maven's local repository and the wrapper's distributions."""
    return os.path.join(cache_root(), "maven")


def log_dir():
    """Logs of converges and dry runs."""
    return os.path.join(cache_root(), "logs")


def loadtest_dir():
    """Gatling's HTML reports of `make loadtest` and its truststore (the lab CA)."""
    return os.path.join(cache_root(), "loadtest")


def tools_dir():
    """Tools built from their Go modules (tools/go-tools.lock): bin/, sources, Go's caches."""
    return os.path.join(cache_root(), "tools")


EXPORTED = {
    "TANDEM_CACHE": cache_root,
    "TANDEM_LAB_DIR": lab_dir,
    "TANDEM_ENV_FILE": env_file,
    "TANDEM_PKI_DIR": pki_dir,
    "TANDEM_RELEASE_KEY_DIR": release_key_dir,
    "TANDEM_MAVEN_HOME": maven_home,
    "TANDEM_LOG_DIR": log_dir,
    "TANDEM_LOADTEST_DIR": loadtest_dir,
    "TANDEM_TOOLS_DIR": tools_dir,
}


def main():
    for name, fn in EXPORTED.items():
        value = fn()
        if any(c.isspace() for c in value):
            print(f"paths: {name}={value!r} contains white space, which make cannot pass on", file=sys.stderr)
            return 1
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
