#!/usr/bin/env python3
"""Records one TCP connection for the HTTP/2 fixtures: listens on PORT, relays the first
connection to TARGET_PORT on 127.0.0.1, and writes what each side sent to OUT.c2s and OUT.s2c,
and the order the pieces came in to OUT.order ("c LEN" / "s LEN" lines), so tests can replay
the two streams as a relay saw them (SETTINGS in one direction bound what the other sends).

Usage: h2_record.py PORT TARGET_PORT OUT   (exits when the connection closes)
Regenerate the fixtures with tests/fixtures/h2/record.sh.
"""
import selectors
import socket
import sys


def main():
    port, target, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    listener = socket.create_server(("127.0.0.1", port))
    print("listening", flush=True)
    client, _ = listener.accept()
    server = socket.create_connection(("127.0.0.1", target))
    files = {client: open(out + ".c2s", "wb"), server: open(out + ".s2c", "wb")}
    peer = {client: server, server: client}
    tag = {client: "c", server: "s"}
    order = open(out + ".order", "w")
    sel = selectors.DefaultSelector()
    for sock in (client, server):
        sel.register(sock, selectors.EVENT_READ)
    open_sides = 2
    while open_sides:
        for key, _ in sel.select():
            sock = key.fileobj
            data = sock.recv(65536)
            if not data:
                sel.unregister(sock)
                open_sides -= 1
                try:
                    peer[sock].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            files[sock].write(data)
            order.write(f"{tag[sock]} {len(data)}\n")
            peer[sock].sendall(data)
    for f in list(files.values()) + [order]:
        f.close()


if __name__ == "__main__":
    main()
