"""What the Terraform suites share: where the tools are, and running the real tofu offline.

The tools come from `make terraform-tools` (terraform/scripts/install-tools), under
$TANDEM_TOOLS_DIR: bin/tofu, bin/tflint, the provider mirror and the CLI config in terraform/,
checkov's venv in checkov/. Each configuration directory gets its own TF_DATA_DIR there, so tofu
writes nothing into the repository but the committed lock files. Standard library only.
"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TERRAFORM = os.path.join(ROOT, "terraform")
sys.path.insert(0, os.path.join(ROOT, "lab"))
sys.path.insert(0, os.path.join(ROOT, "ansible", "inventory"))
from tandemlab import paths  # noqa: E402  pylint: disable=wrong-import-position

TOOLS = os.environ.get("TANDEM_TOOLS_DIR") or paths.tools_dir()
TF_HOME = os.path.join(TOOLS, "terraform")
TOFU = os.path.join(TOOLS, "bin", "tofu")
TFLINT = os.path.join(TOOLS, "bin", "tflint")
CHECKOV = os.path.join(TOOLS, "checkov", "bin", "checkov")


def config_dirs():
    """Every module and environment directory, relative to the repository root."""
    dirs = []
    for kind in ("modules", "envs"):
        base = os.path.join(TERRAFORM, kind)
        dirs += [os.path.join("terraform", kind, name) for name in sorted(os.listdir(base))
                 if os.path.isfile(os.path.join(base, name, "versions.tf"))]
    return dirs


def tofu_env(config_dir):
    """tofu's environment: the mirror-only CLI config, no prompts, a data directory per config."""
    env = dict(os.environ)
    env.update({
        "TF_CLI_CONFIG_FILE": os.path.join(TF_HOME, "tofurc"),
        "TF_DATA_DIR": os.path.join(TF_HOME, "data", config_dir.replace("/", "_")),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "NO_COLOR": "1",
    })
    return env


def run(argv, cwd, env=None, timeout=900):
    """CompletedProcess of argv in cwd (relative to the repository root), output captured as text."""
    return subprocess.run(argv, cwd=os.path.join(ROOT, cwd), env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def tofu(config_dir, *args, timeout=900):
    return run([TOFU, *args, "-no-color"], config_dir, tofu_env(config_dir), timeout)


def explain(proc):
    """The tail of a failed command's output, for an assertion message."""
    out = (proc.stdout + proc.stderr).strip().splitlines()
    return "\n".join(out[-60:])
