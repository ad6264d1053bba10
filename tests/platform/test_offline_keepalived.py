"""keepalived's notify script moves the floating IP in a Terraform environment, and only there.

The role's notify template is rendered offline (rolerender.py) for the LBs of the lab's environment
(the fixture) and of a Terraform one (staging's pinned output, `provider: terraform`): the mover's
call is in the second only. The rendered cloud script is then run with a stand-in mover that
records its arguments: on MASTER it is called with the VIP and the token file, on BACKUP and FAULT
it is not, and the VRRP metric is written either way. The tasks that install the mover and the
token are read from tasks/main.yml: the token's task is `no_log`, 0400, owned by the script user
the notify script runs as. Python 3.11 standard library plus PyYAML (Debian's).
"""
import json
import os
import stat
import subprocess
import tempfile
import unittest

import yaml

import rolerender

ROLE = os.path.join(rolerender.ANSIBLE, "roles", "keepalived")
MOVER = "/usr/local/sbin/hcloud-fip-assign"
TOKEN_FILE = "/etc/keepalived/hcloud-token"


def cloud_vip():
    with open(rolerender.CLOUD_FIXTURE, encoding="utf-8") as handle:
        return json.load(handle)["vip"]["address"]


def load_yaml(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Notify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = rolerender.render("keepalived", "notify.j2", hosts="lb")
        cls.cloud = rolerender.render("keepalived", "notify.j2", env_file=rolerender.CLOUD_FIXTURE, hosts="lb")

    def test_lab_notify_has_no_mover(self):
        self.assertEqual(sorted(self.lab), ["lb-a", "lb-b"])
        for host, text in self.lab.items():
            self.assertNotIn("hcloud-fip-assign", text, host)
            self.assertNotIn("token", text, host)

    def test_cloud_notify_moves_the_floating_ip_on_master(self):
        self.assertEqual(sorted(self.cloud), ["lb-a", "lb-b"])
        call = f"moved=$('{MOVER}' --vip '{cloud_vip()}' --token-file '{TOKEN_FILE}' 2>&1)"
        for host, text in self.cloud.items():
            self.assertEqual(text.count("hcloud-fip-assign' --vip"), 1, host)
            self.assertIn(call, text, host)
            before = text[:text.index(call)]
            self.assertTrue(before.rstrip().endswith("if [[ $state == MASTER ]]; then\n  if"), host)

    def test_rendered_scripts_pass_bash_and_shellcheck(self):
        for kind, rendered in (("lab", self.lab), ("cloud", self.cloud)):
            for host, text in rendered.items():
                with self.subTest(env=kind, host=host), tempfile.NamedTemporaryFile("w", suffix=".sh") as handle:
                    handle.write(text)
                    handle.flush()
                    for argv in (["bash", "-n", handle.name], ["shellcheck", "-s", "bash", handle.name]):
                        proc = subprocess.run(argv, text=True, capture_output=True, timeout=60, check=False)
                        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_cloud_notify_calls_the_mover_only_on_master(self):
        with tempfile.TemporaryDirectory(prefix="notify-") as tmp:
            calls, mover = os.path.join(tmp, "calls"), os.path.join(tmp, "mover")
            with open(mover, "w", encoding="utf-8") as handle:
                handle.write(f'#!/bin/bash\necho "$*" >>{calls}\necho "floating IP is here"\n')
            os.chmod(mover, stat.S_IRWXU)
            metrics = os.path.join(tmp, "tandem_vrrp.prom")
            script = rolerender.render("keepalived", "notify.j2", env_file=rolerender.CLOUD_FIXTURE, hosts="lb-b",
                                       extra_vars={"keepalived_fip_mover_path": mover,
                                                   "keepalived_metrics_file": metrics})["lb-b"]
            path = os.path.join(tmp, "notify")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(script)
            os.chmod(path, stat.S_IRWXU)
            for state in ("BACKUP", "MASTER", "FAULT"):
                proc = subprocess.run([path, "INSTANCE", "tandem_vip", state, "100"], text=True, capture_output=True,
                                      timeout=60, check=False)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                with open(metrics, encoding="utf-8") as handle:
                    self.assertIn(f'tandem_vrrp_master{{vrrp_instance="tandem_vip"}} {int(state == "MASTER")}',
                                  handle.read())
            with open(calls, encoding="utf-8") as handle:
                self.assertEqual(handle.read().splitlines(), [f"--vip {cloud_vip()} --token-file {TOKEN_FILE}"])


class Tasks(unittest.TestCase):
    def setUp(self):
        self.tasks = load_yaml("tasks", "main.yml")

    def task(self, dest):
        found = [t for t in self.tasks if (t.get("ansible.builtin.copy") or {}).get("dest") == dest]
        self.assertEqual(len(found), 1, f"one copy task to {dest}")
        return found[0]

    def test_token_file_task_is_no_log_0400_and_the_script_users(self):
        task = self.task("{{ keepalived_hcloud_token_file }}")
        self.assertIs(task.get("no_log"), True)
        copy = task["ansible.builtin.copy"]
        self.assertEqual(copy["content"], "{{ keepalived_hcloud_token }}\n")
        self.assertEqual((copy["owner"], copy["group"], copy["mode"]), ("{{ keepalived_script_user }}", "root", "0400"))
        self.assertEqual(task["when"], "keepalived_fip_mover | bool")
        spec = load_yaml("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        self.assertIs(spec["keepalived_hcloud_token"].get("no_log"), True)
        self.assertEqual(load_yaml("defaults", "main.yml")["keepalived_hcloud_token"], "")

    def test_mover_installed_0755_only_in_a_terraform_environment(self):
        task = self.task("{{ keepalived_fip_mover_path }}")
        copy = task["ansible.builtin.copy"]
        self.assertEqual((copy["owner"], copy["group"], copy["mode"]), ("root", "root", "0755"))
        self.assertEqual(task["when"], "keepalived_fip_mover | bool")
        defaults = load_yaml("defaults", "main.yml")
        self.assertEqual(defaults["keepalived_fip_mover_path"], MOVER)
        self.assertEqual(defaults["keepalived_fip_mover"], "{{ (tandem_provider | default('lab')) == 'terraform' }}")
        source = load_yaml("vars", "main.yml")["keepalived_fip_mover_source"].replace("{{ role_path }}", ROLE)
        self.assertTrue(os.path.samefile(source, os.path.join(rolerender.REPO, "terraform", "scripts", "hcloud-fip-assign")))


if __name__ == "__main__":
    unittest.main()
