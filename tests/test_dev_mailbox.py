"""The embedded mail sink: a restarted `make dev` gets its port back."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from api.dev_mailbox import SmtpSink, port_is_free
from tests.conftest import free_port


def _leave_time_wait(port: int) -> None:
    """A server on `port` that closes a connection first leaves it in TIME-WAIT there,
    as the sink of a `make dev` stopped a moment ago does."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its socket waits out TIME-WAIT
        client.recv(1)
        client.close()


def test_port_in_time_wait_is_reused(tmp_path):
    port = free_port()
    _leave_time_wait(port)
    with socket.socket() as plain:  # what the old check did: refused
        try:
            plain.bind(("127.0.0.1", port))
            reproduced = False
        except OSError:
            reproduced = True
    assert reproduced, "TIME-WAIT was not reproduced"
    assert port_is_free("127.0.0.1", port)
    sink = SmtpSink(tmp_path, "127.0.0.1", port)
    sink.start()
    try:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "a@example.com", "b@example.com", "hi"
        mail.set_content("hello")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(mail)
    finally:
        sink.stop()
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_port_in_use_is_not_free():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert not port_is_free("127.0.0.1", busy.getsockname()[1])
