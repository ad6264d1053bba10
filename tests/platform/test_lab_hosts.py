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

    def test_root_login_is_refused_even_with_an_authorized_key(self):
        # Give root the admin's key first: without it a refusal would prove nothing about sshd.
        key = pl.environment()["ssh"]["private_key_file"]
        h = pl.hosts("app")[0]
        install = pl.ssh(h["name"], "sudo -n install -d -m 700 /root/.ssh && "
                                    "sudo -n cp ~/.ssh/authorized_keys /root/.ssh/authorized_keys")
        self.assertEqual(install.returncode, 0, install.stderr)
        self.addCleanup(pl.ssh, h["name"], "sudo -n rm -f /root/.ssh/authorized_keys")
        argv = pl.ssh_argv(h["address"], "true")
        argv[argv.index(f"{pl.environment()['ssh']['user']}@{h['address']}")] = f"root@{h['address']}"
        proc = pl.run(argv, timeout=30)
        print(f"\n  root@{h['name']} with an authorized key ({key}): rc={proc.returncode} {proc.stderr.strip()}")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Permission denied", proc.stderr)

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
    # The figure README.md and docs/platform.md give; a change either way must update them.
    DOCUMENTED_EXPOSURE = "1.1"

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

    def test_code_is_read_only_inside_the_running_units_sandbox(self):
        # Inside the unit's own mount namespace (ProtectSystem=strict) even root gets EROFS: the
        # file system is mounted read-only there, whatever the permissions. Outside it, root can
        # write the same directories, so the refusal comes from the sandbox alone.
        dirs = ["/opt/tandem", "/opt/tandem/releases", "/opt/tandem/current/", "/etc", "/usr/local"]
        script = ("pid=$(systemctl show -p MainPID --value tandem.service); "
                  "for d in " + " ".join(dirs) + "; do "
                  "if nsenter -t $pid -m touch $d/.write-test 2>/tmp/err; then echo \"inside $d: WROTE\"; rm -f $d/.write-test; "
                  "else echo \"inside $d: $(cat /tmp/err)\"; fi; "
                  "if touch $d/.write-test; then echo \"outside $d: wrote\"; rm -f $d/.write-test; fi; done")
        proc = pl.ssh(self.app, f"sudo -n sh -c '{script}'")
        print("\n  " + "\n  ".join(proc.stdout.splitlines()))
        lines = proc.stdout.splitlines()
        for d in dirs:
            inside = next(l for l in lines if l.startswith(f"inside {d}:"))
            self.assertIn("Read-only file system", inside)
            self.assertIn(f"outside {d}: wrote", lines, f"control: root could not write {d} outside the unit")

    def test_service_user_owns_none_of_its_code(self):
        proc = pl.ssh(self.app, "stat -c '%U %a %n' /opt/tandem /opt/tandem/releases "
                                "$(readlink -f /opt/tandem/current) $(readlink -f /opt/tandem/current)/*")
        for line in proc.stdout.splitlines():
            owner, mode, path = line.split(" ", 2)
            self.assertEqual(owner, "root", line)
            self.assertFalse(int(mode, 8) & 0o022, f"{path} is group- or world-writable: {mode}")

    def test_systemd_analyze_security_exposure(self):
        proc = pl.ssh(self.app, "sudo -n systemd-analyze security --no-pager tandem.service")
        match = re.search(r"Overall exposure level for tandem.service: ([0-9.]+) (\S+)", proc.stdout)
        self.assertIsNotNone(match, proc.stdout + proc.stderr)
        print(f"\n  systemd-analyze security tandem.service on {self.app}: {match.group(1)} {match.group(2)}")
        self.assertEqual(match.group(1), self.DOCUMENTED_EXPOSURE)


if __name__ == "__main__":
    unittest.main()
