"""The host baseline (issue 10; CIS Debian Level 1 / dev-sec linux-baseline where a control applies
to a container host): core dumps off, the login banner, password quality, needrestart that restarts
nothing, unattended upgrades that leave the platform's own packages alone, and a file integrity
baseline that notices a change. Controls a container cannot take are in
docs/security.md ("Host baseline")."""
import unittest

import platformlab as pl


def on_every_host(test, command):
    """{host: stdout} of a command on every host; each must succeed."""
    out = {}
    for h in pl.hosts():
        proc = pl.ssh(h["name"], command)
        test.assertEqual(proc.returncode, 0, f"{h['name']}: {proc.stderr}")
        out[h["name"]] = proc.stdout
    return out


class BaselineTest(unittest.TestCase):
    def test_no_core_dumps_for_services_or_logins(self):
        for name, out in on_every_host(self, "systemctl show --property=DefaultLimitCORE; ulimit -Hc").items():
            self.assertEqual(out.split(), ["DefaultLimitCORE=0", "0"], name)

    def test_ssh_shows_the_banner_before_login(self):
        banner = pl.role_defaults("hardening")["hardening_login_banner"].splitlines()[0]
        for h in pl.hosts():
            # ssh prints the banner only at LogLevel INFO (the helper's ERROR would hide it)
            argv = [("LogLevel=INFO" if a == "LogLevel=ERROR" else a) for a in pl.ssh_argv(h["address"], "true")]
            proc = pl.run(argv)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(banner, proc.stderr, h["name"])

    def test_password_quality_needrestart_and_unattended_upgrades(self):
        command = ("grep -c pam_pwquality /etc/pam.d/common-password; grep -E '^minlen' /etc/security/pwquality.conf; "
                   "grep -E '^(ENCRYPT_METHOD|YESCRYPT_COST_FACTOR)' /etc/login.defs; "
                   "sudo -n perl -e 'our %nrconf; do \"/etc/needrestart/conf.d/50-tandem.conf\"; print \"$nrconf{restart}\\n\"'; "
                   "apt-config dump Unattended-Upgrade::Package-Blacklist")
        blacklist = pl.role_defaults("hardening")["hardening_unattended_blacklist"]
        for name, out in on_every_host(self, command).items():
            lines = out.splitlines()
            self.assertEqual(lines[0], "1", f"{name}: pam_pwquality is not in common-password")
            self.assertEqual(lines[1].replace(" ", ""), "minlen=14", name)
            self.assertEqual(dict(x.split() for x in lines[2:4]), {"ENCRYPT_METHOD": "YESCRYPT", "YESCRYPT_COST_FACTOR": "8"},
                             f"{name}: password hashing")
            self.assertEqual(lines[4], "l", f"{name}: needrestart would restart services")
            for pattern in blacklist:
                self.assertIn(f'"{pattern}"', out, f"{name}: unattended-upgrades may upgrade {pattern}")


class IntegrityTest(unittest.TestCase):
    HOST = "app-b1"
    PROBE = "/etc/ssh/tandem-integrity-probe"

    def check(self, host):
        proc = pl.ssh(host, "sudo -n systemctl start tandem-integrity-check.service; rc=$?; "
                            "sudo -n journalctl -u tandem-integrity-check.service -o cat --no-pager -n 40; exit $rc")
        return proc.returncode, proc.stdout

    def test_every_host_matches_its_baseline(self):
        for h in pl.hosts():
            rc, out = self.check(h["name"])
            self.assertEqual(rc, 0, f"{h['name']}: {out[-2000:]}")

    def test_a_new_file_fails_the_check_and_names_it(self):
        self.addCleanup(pl.ssh, self.HOST, f"sudo -n rm -f {self.PROBE}; "
                                           "sudo -n systemctl reset-failed tandem-integrity-check.service")
        self.assertEqual(pl.ssh(self.HOST, f"echo tampered | sudo -n tee {self.PROBE} >/dev/null").returncode, 0)
        rc, out = self.check(self.HOST)
        print(f"\n  {self.PROBE} added on {self.HOST}: the check exits non-zero ({rc}) and names it", flush=True)
        self.assertNotEqual(rc, 0, out[-2000:])
        self.assertIn(self.PROBE, out)
        pl.ssh(self.HOST, f"sudo -n rm -f {self.PROBE}; sudo -n systemctl reset-failed tandem-integrity-check.service")
        rc, out = self.check(self.HOST)
        self.assertEqual(rc, 0, out[-2000:])


if __name__ == "__main__":
    unittest.main()
