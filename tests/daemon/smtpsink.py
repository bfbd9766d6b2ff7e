"""smtpsink.py - what the daemon tests share: a free port on 127.0.0.1, and
an aiosmtpd handler that records every message it accepts (the next hop
of released messages), refusing one recipient on request."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402,F401 (the daemon tests import it from here)


class Sink:
    """got: (mail_from, [rcpt], bytes) per message; refuse: a recipient
    answered 550."""

    def __init__(self, refuse=None):
        self.got = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse is not None and address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.mail_from, list(envelope.rcpt_tos),
                         bytes(envelope.original_content or envelope.content)))
        return "250 OK queued"
