# The SMTP server of a test's own (tests/src/smtp.rs starts it): a real aiosmtpd that keeps
# every message it accepts as a file, so a test reads exactly what a mail server received.
#
#   python smtp_server.py CONFIG
#
# CONFIG: `key=value` lines: port, maildir, mode (plain | starttls | implicit), and as needed
# cert and key (PEM files), user and password_file (AUTH PLAIN/LOGIN required when set).
# Each accepted message becomes MAILDIR/<ns>-<n>.envelope (the sender, the recipients, whether
# the connection was encrypted, the login) then MAILDIR/<ns>-<n>.eml (the raw bytes received), the .eml renamed into place last so a reader never sees half.
# Recipients whose local part is `refuse-permanent` or `refuse-temporary` are answered 550 or
# 451, so a test can see how a refusal is classified. The server exits when its stdin closes:
# the test that started it holds that pipe, so no server outlives its test.
import asyncio
import os
import ssl
import sys
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

with open(sys.argv[1]) as f:
    config = dict(line.split("=", 1) for line in f.read().splitlines() if line)
maildir = config["maildir"]
counter = 0


def tls_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    return context


class Keeper:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local == "refuse-permanent":
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local == "refuse-temporary":
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        global counter
        counter += 1
        name = "%d-%d" % (time.time_ns(), counter)
        # `key value` lines (no address or login holds a newline): the sender, each
        # recipient, whether the connection was encrypted, and the login when AUTH was used.
        lines = ["from " + envelope.mail_from]
        lines += ["to " + rcpt for rcpt in envelope.rcpt_tos]
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        lines.append("tls " + ("yes" if encrypted else "no"))
        auth_data = getattr(session, "auth_data", None)
        if session.authenticated and isinstance(auth_data, LoginPassword):
            lines.append("login " + auth_data.login.decode("utf-8", "replace"))
        with open(os.path.join(maildir, name + ".envelope"), "w") as f:
            f.write("\n".join(lines) + "\n")
        partial = os.path.join(maildir, name + ".partial")
        with open(partial, "wb") as f:
            f.write(envelope.original_content)
        os.rename(partial, os.path.join(maildir, name + ".eml"))
        return "250 2.0.0 Ok: queued as %s" % name


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    with open(config["password_file"], "rb") as f:
        password = f.read().rstrip(b"\n")
    ok = auth_data.login == config["user"].encode() and auth_data.password == password
    # handled=False: aiosmtpd then answers 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def make_smtp():
    kwargs = {"hostname": "smtp.test", "ident": "upstra-test-smtp"}
    if config["mode"] == "starttls":
        kwargs["tls_context"] = tls_context()
    if config.get("user"):
        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # The channel decides whether a password may cross in clear; the server accepts it
        # either way so that a test can check the channel's side.
        kwargs["auth_require_tls"] = False
    return SMTP(Keeper(), **kwargs)


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


async def main():
    server_tls = tls_context() if config["mode"] == "implicit" else None
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        make_smtp, "127.0.0.1", int(config["port"]), ssl=server_tls, reuse_address=True
    )
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
asyncio.run(main())
