#!/usr/bin/python3
"""postfix.py - a private Postfix instance for mamori's end-to-end test and
load benchmark.

Postfix(workdir, milter_port=..., sink_port=...) writes, under workdir:
    etc/main.cf, etc/master.cf     config_directory
    spool/                         queue_directory (created by postfix)
    data/                          data_directory
    maillog                        the instance's log (maillog_file,
                                   written by its own postlogd: no syslog)
and runs it as root with `postfix -c etc start` (the daemons run as the
Debian package's `postfix` user; `postdrop` group).  It listens on
127.0.0.1:<smtpd_port> only (master.cf service "127.0.0.1:PORT inet ...
smtpd"), accepts mail for relay_domains=example.jp and relays it to the
sink at relayhost=[127.0.0.1]:<sink_port> (bracketed IP: no DNS, no MX),
with smtpd_milters=inet:127.0.0.1:<milter_port> (or milter="unix:/path"),
milter_default_action=tempfail, milter_protocol=6.  Nothing runs chrooted,
no local delivery (mydestination empty), no DNS (disable_dns_lookups,
smtp_dns_support_level=disabled), short retry times (queue_run_delay,
minimal_backoff_time 2 s) so deferred mail is retried within a test.
With reinject_port, a second smtpd on 127.0.0.1:<reinject_port> without
milters takes back released quarantined messages.

Nothing outside workdir is changed: /etc/postfix/main.cf is not needed
(postfix, postconf and postqueue are run as root with -c, which needs no
alternate_config_directories entry; only a non-root user's set-gid
postqueue/postdrop would).  The spool is created by `postfix start`
(postfix-files via meta_directory=/etc/postfix, which the package ships).

smtputf8_enable=no: the sink (aiosmtpd without SMTPUTF8) and Microsoft 365
inbound both work without it; 8BITMIME is passed through unchanged.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"
POSTQUEUE = "/usr/sbin/postqueue"
POSTSUPER = "/usr/sbin/postsuper"


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402,F401 (the e2e tests import it from here)


def available():
    """None if a private Postfix can run here, else why not."""
    if os.geteuid() != 0:
        return "not root (postfix start needs root)"
    for p in (POSTFIX, POSTCONF, POSTQUEUE, "/usr/lib/postfix/sbin/master"):
        if not os.access(p, os.X_OK):
            return f"{p} missing"
    try:
        import pwd
        import grp
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "user postfix or group postdrop missing"
    return None


MASTER_CF = """\
# master.cf of mamori's private test instance (tests/e2e/postfix.py)
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

# Where released messages come back (quarantine.release_smtp): an smtpd
# without milters, for loopback clients only.
REINJECT_CF = """\
127.0.0.1:{port} inet n  -       n       -       -       smtpd
  -o syslog_name=postfix-mamori-e2e/reinject
  -o smtpd_milters=
  -o receive_override_options=no_milters
  -o smtpd_client_restrictions=permit_mynetworks,reject
"""


class Postfix:
    def __init__(self, workdir, milter_port=None, sink_port=None,
                 smtpd_port=None, extra=None, smtpd_maxproc=100,
                 reinject_port=None, milter=None):
        self.workdir = os.path.abspath(workdir)
        self.confdir = os.path.join(self.workdir, "etc")
        self.queuedir = os.path.join(self.workdir, "spool")
        self.datadir = os.path.join(self.workdir, "data")
        self.maillog = os.path.join(self.workdir, "maillog")
        self.milter_port = milter_port
        self.milter = milter	# a full smtpd_milters value, e.g. unix:/path
        self.sink_port = sink_port
        self.port = smtpd_port or free_port()
        self.reinject_port = reinject_port
        self.extra = dict(extra or {})
        self.smtpd_maxproc = smtpd_maxproc
        self.running = False

    # --- configuration -------------------------------------------------
    def main_cf(self):
        milters = self.milter or (f"inet:127.0.0.1:{self.milter_port}"
                                  if self.milter_port else "")
        relay = f"[127.0.0.1]:{self.sink_port}" if self.sink_port else ""
        p = {
            "compatibility_level": "3.6",
            "config_directory": self.confdir,
            "queue_directory": self.queuedir,
            "data_directory": self.datadir,
            "meta_directory": "/etc/postfix",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "syslog_name": "postfix-mamori-e2e",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.workdir,
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "smtp_bind_address": "127.0.0.1",
            "myhostname": "mx.test",
            "mydomain": "test",
            "myorigin": "mx.test",
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "relay_domains": "example.jp",
            "relayhost": relay,
            "smtpd_relay_restrictions":
                "permit_mynetworks, reject_unauth_destination",
            "smtpd_recipient_restrictions": "",
            "local_recipient_maps": "",
            "local_transport": "error:no local delivery",
            "alias_maps": "",
            "alias_database": "",
            "disable_dns_lookups": "yes",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "smtpd_peername_lookup": "no",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "smtputf8_enable": "no",
            "smtpd_milters": milters,
            "non_smtpd_milters": "",
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "milter_connect_macros": "j {daemon_name} {daemon_addr} v _ {client_addr} {client_name}",
            "milter_end_of_data_macros": "i",
            "milter_command_timeout": "30s",
            "milter_content_timeout": "300s",
            # retries within a test
            "queue_run_delay": "2s",
            "minimal_backoff_time": "2s",
            "maximal_backoff_time": "4s",
            "maximal_queue_lifetime": "1h",
            "bounce_queue_lifetime": "1h",
            "smtp_connect_timeout": "5s",
            # the load benchmark: many parallel sessions from one client
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_connection_rate_limit": "0",
            "smtpd_client_message_rate_limit": "0",
            "default_process_limit": str(self.smtpd_maxproc),
            "in_flow_delay": "0",
            "smtpd_error_sleep_time": "0",
            "smtpd_soft_error_limit": "1000",
            "smtpd_hard_error_limit": "1000",
            "message_size_limit": str(50 * 1024 * 1024),
            "biff": "no",
        }
        p.update(self.extra)
        return "".join(f"{k} = {v}\n" for k, v in p.items())

    def write_config(self):
        os.makedirs(self.confdir, exist_ok=True)
        # spool/ root-owned (its subdirectories are made by `postfix
        # check` from postfix-files), data/ owned by mail_owner
        os.makedirs(self.queuedir, mode=0o755, exist_ok=True)
        os.makedirs(self.datadir, mode=0o700, exist_ok=True)
        shutil.chown(self.datadir, "postfix", "postfix")
        with open(os.path.join(self.confdir, "main.cf"), "w") as f:
            f.write(self.main_cf())
        with open(os.path.join(self.confdir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))
            if self.reinject_port:
                f.write(REINJECT_CF.format(port=self.reinject_port))
        # the workdir is made by mkdtemp (0700): the daemons (user postfix)
        # must reach the spool and data directories under it
        os.chmod(self.workdir, 0o755)
        d = os.path.dirname(self.workdir)
        while d != "/":
            if os.stat(d).st_mode & 0o001 == 0:
                raise RuntimeError(f"{d} is not searchable by user postfix: "
                                   "put the work directory elsewhere")
            d = os.path.dirname(d)

    # --- commands ------------------------------------------------------
    def _run(self, cmd, check=True, timeout=60):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            # postfix(1) logs to stderr only on a tty: show the log too
            raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: "
                               f"{r.stdout}{r.stderr}\n{self.log_tail(10)}")
        return r

    def check(self):
        """`postfix -c DIR check`: returns its warnings (empty: clean)."""
        r = self._run([POSTFIX, "-c", self.confdir, "check"])
        return (r.stdout + r.stderr).strip()

    def start(self, timeout=20):
        self.write_config()
        self._run([POSTFIX, "-c", self.confdir, "check"])
        self._run([POSTFIX, "-c", self.confdir, "start"])
        self.running = True
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"postfix did not listen on 127.0.0.1:{self.port}:\n"
                           + self.log_tail())

    def reload(self):
        self.write_config()
        self._run([POSTFIX, "-c", self.confdir, "reload"])

    def stop(self):
        if not self.running:
            return
        r = self._run([POSTFIX, "-c", self.confdir, "stop"], check=False)
        if r.returncode != 0:
            self._run([POSTFIX, "-c", self.confdir, "abort"], check=False)
        # wait for the master to exit (its pid file is removed)
        pidf = os.path.join(self.queuedir, "pid", "master.pid")
        for _ in range(100):
            if not self._master_alive(pidf):
                break
            time.sleep(0.1)
        self.running = False

    @staticmethod
    def _master_alive(pidf):
        try:
            with open(pidf) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return True
        except (OSError, ValueError):
            return False

    def flush(self):
        self._run([POSTQUEUE, "-c", self.confdir, "-f"], check=False)

    def queue(self):
        """The queue as a list of dicts (postqueue -j)."""
        import json
        r = self._run([POSTQUEUE, "-c", self.confdir, "-j"], check=False)
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def queue_text(self):
        return self._run([POSTQUEUE, "-c", self.confdir, "-p"], check=False).stdout

    def wait_queue_empty(self, timeout=60, flush_every=3):
        t0 = time.time()
        last = 0
        while time.time() - t0 < timeout:
            if not self.queue():
                return True
            if time.time() - last > flush_every:
                self.flush()
                last = time.time()
            time.sleep(0.3)
        return False

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log().splitlines()[-n:])

    def delays(self):
        """The `delays=a/b/c/d` of each delivered message in the log, as
        (a, b, c, d) float tuples (a: before the queue manager, including
        the SMTP session with its milter; d: delivery to the sink)."""
        out = []
        for line in self.log().splitlines():
            if "status=sent" not in line:
                continue
            m = re.search(r"delays=([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+)", line)
            if m:
                out.append(tuple(float(x) for x in m.groups()))
        return out

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
