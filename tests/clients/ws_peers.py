"""Real WebSocket peers (the `websockets` library) for the tests.

    ws_peers.py server [--no-deflate]       an echo server on a free port; prints the port
    ws_peers.py client URL [--no-deflate]   sends the messages below, prints what came back
    ws_peers.py wait URL N                  sends nothing; prints the first N messages received

The client sends three text messages (the second twice, so permessage-deflate's context
takeover has something to take over), one binary message, and one text message in three
fragments, reads each echo, then closes with 1000 "done". With --no-deflate neither side offers
compression.
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

MESSAGES = ['{"price": 101.5}', '{"price": 101.5}', "héllo wörld", bytes(range(256))]
FRAGMENTS = ["frag", "ment", "ed"]


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def server(compression):
    async with serve(echo, "127.0.0.1", 0, compression=compression) as srv:
        print(srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


async def client(url, compression):
    async with connect(url, compression=compression) as ws:
        for message in MESSAGES:
            await ws.send(message)
            print(repr(await ws.recv()), flush=True)
        await ws.send(FRAGMENTS)  # an iterable: one message, one frame per piece
        print(repr(await ws.recv()), flush=True)
        await ws.close(1000, "done")


async def wait(url, count, compression):
    async with connect(url, compression=compression) as ws:
        print("connected", flush=True)
        for _ in range(count):
            print(repr(await ws.recv()), flush=True)
        await ws.close(1000, "done")


if __name__ == "__main__":
    compression = None if "--no-deflate" in sys.argv else "deflate"
    if sys.argv[1] == "server":
        asyncio.run(server(compression))
    elif sys.argv[1] == "wait":
        asyncio.run(wait(sys.argv[2], int(sys.argv[3]), compression))
    else:
        asyncio.run(client(sys.argv[2], compression))
