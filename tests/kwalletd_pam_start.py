#!/usr/bin/python3
"""Test helper: starts kwalletd5 headless and makes it create and open the default wallet (named
by kwalletrc "Default Wallet") without any dialog, through its PAM login entry point:
PAM_KWALLET5_LOGIN=1 kwalletd5 --pam-login <fd of a pipe carrying the 56-byte key hash>
<fd of a listening unix socket on which it reads KEY=VALUE environment lines>.
Prints kwalletd5's pid, then waits for it (so that it is reaped) and exits with its status.
Its output goes to the file named by argv[1].
"""
import os
import socket
import subprocess
import sys
import tempfile

log_path = sys.argv[1]
hash_read, hash_write = os.pipe()
sock_dir = tempfile.mkdtemp(prefix="kw-", dir=os.environ["XDG_RUNTIME_DIR"])
sock_path = os.path.join(sock_dir, "env")
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sock_path)
server.listen(1)
env = dict(os.environ, PAM_KWALLET5_LOGIN="1", QT_QPA_PLATFORM="offscreen")
with open(log_path, "w") as log:
    daemon = subprocess.Popen(
        ["kwalletd5", "--pam-login", str(hash_read), str(server.fileno())],
        pass_fds=(hash_read, server.fileno()), env=env, stdin=subprocess.DEVNULL,
        stdout=log, stderr=subprocess.STDOUT)
os.close(hash_read)
os.write(hash_write, b"\x42" * 56)  # the wallet key: any fixed 56 bytes will do for tests
os.close(hash_write)
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.connect(sock_path)
client.close()  # no extra environment lines
server.close()
os.unlink(sock_path)
os.rmdir(sock_dir)
print(daemon.pid, flush=True)
sys.exit(daemon.wait())
