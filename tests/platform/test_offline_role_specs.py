"""tools/check-role-specs: passes on the real roles and fails, naming the variable, on each way a
role's defaults, argument spec and README can drift apart."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(REPO, "tools", "check-role-specs")
ROLES = os.path.join(REPO, "ansible", "roles")
ROLE = "keepalived"


def check(roles_dir):
    p = subprocess.run([CHECK, roles_dir], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout


class RoleSpecs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="role-specs-")
        shutil.copytree(os.path.join(ROLES, ROLE), os.path.join(self.tmp, ROLE))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, rel, old, new, count=1):
        path = os.path.join(self.tmp, ROLE, rel)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new, count))

    def assertRefused(self, fragment):
        rc, out = check(self.tmp)
        self.assertEqual(rc, 1, out)
        self.assertIn(fragment, out)

    def test_real_roles_pass(self):
        rc, out = check(ROLES)
        self.assertEqual(rc, 0, out)
        roles = len([d for d in os.listdir(ROLES) if os.path.isdir(os.path.join(ROLES, d))])
        self.assertRegex(out, rf"check-role-specs: {roles} roles, 0 problems")

    def test_default_without_spec_entry(self):
        self.edit("defaults/main.yml", "keepalived_apt_timeout: 300", "keepalived_apt_timeout: 300\nkeepalived_new: 1")
        self.edit("README.md", "| `keepalived_apt_timeout`", "| `keepalived_new` |\n| `keepalived_apt_timeout`")
        self.assertRefused("keepalived: keepalived_new has a default but no entry in meta/argument_specs.yml")

    def test_shared_description(self):
        path = os.path.join(self.tmp, ROLE, "meta", "argument_specs.yml")
        with open(path) as f:
            text = f.read()
        rise = re.search(r"keepalived_track_rise:\n        description: (.*)\n", text).group(1)
        fall = re.search(r"keepalived_track_fall:\n        description: (.*)\n", text).group(1)
        self.edit("meta/argument_specs.yml", rise, fall)
        self.assertRefused("keepalived_track_rise shares its description with keepalived_track_fall")

    def test_missing_type(self):
        self.edit("meta/argument_specs.yml", "        type: float\n", "")
        self.assertRefused("keepalived_advert_int has no type")

    def test_spec_entry_without_default(self):
        self.edit("defaults/main.yml", "keepalived_scripts_dir: /etc/keepalived/scripts\n", "")
        self.assertRefused("keepalived_scripts_dir has a spec entry but no default and is not required")

    def test_readme_missing_a_variable(self):
        path = os.path.join(self.tmp, ROLE, "README.md")
        with open(path) as f:
            lines = [line for line in f if "keepalived_track_weight" not in line]
        with open(path, "w") as f:
            f.writelines(lines)
        self.assertRefused("keepalived_track_weight is not in README.md")

    def test_generated_claim(self):
        self.edit("meta/argument_specs.yml", "---\n", "---\n# Generated from defaults/main.yml.\n")
        self.assertRefused("meta/argument_specs.yml:2 claims to be generated")


if __name__ == "__main__":
    unittest.main()
