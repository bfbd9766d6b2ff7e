"""ports.py - free TCP ports on 127.0.0.1 for the tests' servers (the
e2e, daemon and clamd tests share it).

free_port() never hands out a port twice in one process: the kernel may
give the same port to two bind(0) calls made one after the other once the
first socket is closed, and a test that starts two servers on "free" ports
then puts both on one (seen: Postfix's re-injection service on the
milter-facing smtpd's port, so that mail skipped the milter)."""
import socket

_GIVEN = set()


def free_port():
    for _ in range(1000):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port
    raise RuntimeError("no free port on 127.0.0.1 that was not given already")
