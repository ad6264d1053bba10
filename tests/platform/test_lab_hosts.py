"""Host hardening as seen from the machine: SSH keys only, the service's user and sandbox."""
import re
import unittest

import platformlab as pl


class SshTest(unittest.TestCase):
    def test_password_login_is_refused_on_every_host(self):
        for h in pl.hosts():
            with self.subTest(host=h["name"]):
                argv = pl.ssh_argv(h["address"], "true", extra=(
                    "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"))
                # the key is still on the command line, but the client may not use it
                proc = pl.run(argv, timeout=30)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("Permission denied (publickey)", proc.stderr)

    def test_key_login_of_the_admin_user_still_works(self):
        for h in pl.hosts():
            with self.subTest(host=h["name"]):
                proc = pl.ssh(h["name"], "sudo -n true && echo ok")
                self.assertEqual(proc.stdout.strip(), "ok", proc.stderr)


class NetworkSysctlTest(unittest.TestCase):
    """The hardening role's network sysctls are live, not only written to a file."""
    WANTED = {
        "net.ipv4.conf.all.accept_redirects": "0",
        "net.ipv4.conf.all.send_redirects": "0",
        "net.ipv4.conf.all.accept_source_route": "0",
        "net.ipv4.conf.all.log_martians": "1",
        "net.ipv4.tcp_rfc1337": "1",
    }

    def test_live_values_on_every_host(self):
        for h in pl.hosts():
            with self.subTest(host=h["name"]):
                keys = list(self.WANTED) + ["net.ipv4.conf.all.rp_filter"]
                proc = pl.ssh(h["name"], "cat " + " ".join("/proc/sys/" + k.replace(".", "/") for k in keys))
                *values, rp_filter = proc.stdout.split()
                self.assertEqual(dict(zip(self.WANTED, values)), self.WANTED, proc.stderr)
                # strict reverse-path filtering, loose on the two-legged load balancers
                self.assertEqual(rp_filter, "2" if len(h["interfaces"]) > 1 else "1")


class ServiceSandboxTest(unittest.TestCase):
    def setUp(self):
        self.app = pl.hosts("app")[0]["name"]

    def test_service_runs_as_its_own_unprivileged_user(self):
        proc = pl.ssh(self.app, "pid=$(systemctl show -p MainPID --value tandem.service); "
                                "stat -c %U /proc/$pid; getent passwd tandem")
        user, passwd = proc.stdout.split("\n")[:2]
        self.assertEqual(user, "tandem", proc.stderr)
        fields = passwd.split(":")
        self.assertGreater(int(fields[2]), 0)
        self.assertEqual(fields[6], "/usr/sbin/nologin")
        self.assertEqual(fields[5], "/nonexistent")

    def test_service_user_cannot_write_its_code(self):
        proc = pl.ssh(self.app, "cd /tmp && for d in /opt/tandem/current /opt/tandem/releases /opt/tandem; do "
                                "if sudo -n -u tandem touch $d/.write-test 2>/dev/null; then echo WROTE $d; "
                                "sudo -n rm -f $d/.write-test; else echo denied $d; fi; done; "
                                "sudo -n -u tandem ln -sfn /tmp /opt/tandem/current 2>/dev/null || echo denied link")
        self.assertNotIn("WROTE", proc.stdout)
        self.assertEqual(proc.stdout.count("denied"), 4, proc.stdout + proc.stderr)

    def test_systemd_analyze_security_exposure(self):
        proc = pl.ssh(self.app, "sudo -n systemd-analyze security --no-pager tandem.service")
        match = re.search(r"Overall exposure level for tandem.service: ([0-9.]+) (\S+)", proc.stdout)
        self.assertIsNotNone(match, proc.stdout + proc.stderr)
        print(f"\n  systemd-analyze security tandem.service on {self.app}: {match.group(1)} {match.group(2)}")
        self.assertLessEqual(float(match.group(1)), 3.0)


if __name__ == "__main__":
    unittest.main()
