"""Render one template of one role for every host of an environment description, offline.

ansible-playbook runs a throw-away play against the inventory script (ansible/inventory/tandem.py
reading the given environment.json) with `connection: local`: no host is contacted, nothing is
installed; the role's defaults and vars are loaded as vars files and checked against its argument spec
(meta/argument_specs.yml, as when the role starts), group_vars come from
ansible/group_vars (linked into the play's directory), and the real template module writes one
file per host into a temporary directory. Extra variables (-e) override anything, as in a converge.
Python 3.11 standard library only (ansible-playbook is Debian's, run under /usr/bin/python3).
"""
import json
import os
import re
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(REPO, "ansible")
INVENTORY = os.path.join(ANSIBLE, "inventory", "tandem.py")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "environment.json")
# A Terraform environment's document (pinned by its own tofu test): what a cloud converge reads.
CLOUD_FIXTURE = os.path.join(REPO, "terraform", "envs", "staging", "tests", "expected-environment.json")

PLAY = """\
- name: Render {template} of role {role}, one file per host
  hosts: "{hosts}"
  connection: local
  gather_facts: false
  become: false
  vars_files:
    - {role_dir}/defaults/main.yml
    - {role_dir}/vars/main.yml
  tasks:
    - name: Check the variables against the role's argument spec, as the role does when it starts
      ansible.builtin.validate_argument_spec:
        argument_spec: "{{{{ (lookup('ansible.builtin.file', '{role_dir}/meta/argument_specs.yml') | from_yaml).argument_specs.main.options }}}}"
    - name: Render
      ansible.builtin.template:
        src: {role_dir}/templates/{template}
        dest: "{out}/{{{{ inventory_hostname }}}}"
        mode: "0600"
"""


def render(role, template, env_file=FIXTURE, hosts="all", extra_vars=None):
    """{host: rendered text} of roles/ROLE/templates/TEMPLATE for each host of env_file's inventory."""
    role_dir = os.path.join(ANSIBLE, "roles", role)
    with tempfile.TemporaryDirectory(prefix=f"render-{role}-") as tmp:
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        os.symlink(os.path.join(ANSIBLE, "group_vars"), os.path.join(tmp, "group_vars"))
        config = os.path.join(tmp, "ansible.cfg")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write("[defaults]\nretry_files_enabled = false\nnocows = true\n")
        playbook = os.path.join(tmp, "render.yml")
        with open(playbook, "w", encoding="utf-8") as handle:
            handle.write(PLAY.format(role=role, template=template, hosts=hosts, role_dir=role_dir, out=out))
        argv = ["/usr/bin/python3", "/usr/bin/ansible-playbook", "-i", INVENTORY, playbook]
        if extra_vars:
            argv += ["-e", json.dumps(extra_vars)]
        env = dict(os.environ, TANDEM_ENV_FILE=env_file, ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "local"),
                   ANSIBLE_REMOTE_TEMP=os.path.join(tmp, "remote"), ANSIBLE_FORCE_COLOR="0",
                   ANSIBLE_CONFIG=config)
        proc = subprocess.run(argv, cwd=tmp, env=env, text=True, capture_output=True, timeout=300, check=False)
        if proc.returncode != 0:
            output = proc.stdout + proc.stderr
            reasons = sorted({json.loads(f'"{msg}"') for msg in re.findall(r'"msg": "((?:[^"\\]|\\.)*)"', output)})
            raise AssertionError(f"rendering {role}/{template} failed (rc {proc.returncode}): "
                                 + ("\n".join(reasons) or "\n".join(output.splitlines()[-40:])))
        rendered = {}
        for host in sorted(os.listdir(out)):
            with open(os.path.join(out, host), encoding="utf-8") as handle:
                rendered[host] = handle.read()
        return rendered
