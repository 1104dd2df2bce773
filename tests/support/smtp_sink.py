#!/usr/bin/python3
"""A mail server for the tests: Debian's aiosmtpd on 127.0.0.1:PORT, accepting every message
and writing each one to FOLDER as NNNNN.json (envelope, subject, decoded plain-text and HTML bodies
and the raw message), so a test reads what a mail client would show.

Usage: smtp_sink.py PORT FOLDER   (prints "ready" once it accepts connections)
"""
import email
import json
import os
import sys
import threading
from email import policy

from aiosmtpd.controller import Controller


class Folder:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "body": body.get_content() if body is not None else "",
            "html": html.get_content() if html is not None else "",
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        with self.lock:
            self.count += 1
            name = "%05d.json" % self.count
        temporary = os.path.join(self.folder, "." + name)
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(temporary, os.path.join(self.folder, name))
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Folder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    # The test ends the process; until then the server runs in its own thread.
    threading.Event().wait()


if __name__ == "__main__":
    main()
