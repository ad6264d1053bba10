"""Small tools the release refusal tests forge releases with (offline and in the lab)."""
import json
import os
import subprocess


def flip_byte(path):
    """Invert the byte in the middle of path."""
    with open(path, "r+b") as handle:
        handle.seek(os.path.getsize(path) // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))


def rewrite_json(path, change):
    """Load path, let change(doc) edit it, write it back."""
    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    change(doc)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, sort_keys=True)


def sign(path, gnupg_home, user=None):
    """A detached signature path.sig by user (default: the only secret key) of gnupg_home."""
    env = dict(os.environ, GNUPGHOME=gnupg_home)
    who = ["--local-user", user] if user else []
    proc = subprocess.run(["gpg", "--batch", "--yes", *who, "--detach-sign", "--output", path + ".sig", path],
                          env=env, capture_output=True, text=True, check=False)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"gpg could not sign {path}: {proc.stderr}")
