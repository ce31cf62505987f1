#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A deliberately broken backend, to prove sl_client notices what a broken
load balancer would cause. Modes:
  alternate  answer requests of one connection as "beA" and "beB" in turn
             (what a balancer that moves an established flow looks like)
  silent     read requests, never answer (a black-holed flow)
  wrongtoken answer with a token that was not sent (a crossed reply)
Exits after --max-seconds whatever happens."""
import argparse
import selectors
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["alternate", "silent", "wrongtoken"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--max-seconds", type=float, default=30)
    ap.add_argument("--ready-file")
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(256)
    ls.setblocking(False)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("ready\n")
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    turn = {}
    end = time.monotonic() + a.max_seconds
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            if s is ls:
                c, _ = ls.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                turn[c] = 0
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                turn.pop(s, None)
                s.close()
                continue
            for tok in data.split():
                if a.mode == "alternate":
                    name = b"beA" if turn[s] % 2 == 0 else b"beB"
                    turn[s] += 1
                    s.send(name + b" " + tok + b"\n")
                elif a.mode == "wrongtoken":
                    s.send(b"be1 not-" + tok + b"\n")


if __name__ == "__main__":
    main()
