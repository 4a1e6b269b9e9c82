#!/usr/bin/python3
"""Test helper: gcr's own mock system prompter (libgcr-base-3), standing in for the human who
answers gnome-keyring's password dialogs. gnome-keyring-daemon talks to it when started with
GNOME_KEYRING_TEST_PROMPTER=<the bus name printed on the first line>.

stdin commands, one per line, each acknowledged with "queued":
  ok <password>   the next prompt is answered with this password
  cancel          the next prompt is cancelled
"""
import ctypes
import sys

gcr = ctypes.CDLL("libgcr-base-3.so.1")
gcr.gcr_mock_prompter_start.restype = ctypes.c_char_p
name = gcr.gcr_mock_prompter_start()  # runs the prompter on its own thread and bus connection
gcr.gcr_mock_prompter_set_delay_msec(0)
print(name.decode(), flush=True)

for line in sys.stdin:
    command, _, argument = line.rstrip("\n").partition(" ")
    if command == "ok":
        gcr.gcr_mock_prompter_expect_password_ok(argument.encode(), None)
    elif command == "cancel":
        gcr.gcr_mock_prompter_expect_password_cancel()
    else:
        print("unknown command", flush=True)
        continue
    print("queued", flush=True)
