"""An HTTP/1.1 server for the client tests (keep-alive, 100-continue from the standard
library): GET /hello.txt, GET /json.gz (gzip-encoded JSON), GET /chunked (chunked reply),
HEAD on any of them, and POST/PUT /echo (Content-Length or chunked body; answers with its
length and SHA-256). Prints its port, then serves until killed."""

import gzip
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON = json.dumps({"greeting": "héllo", "items": list(range(200))}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body, send_body=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self, send_body=True):
        if self.path == "/hello.txt":
            self.reply(200, [("Content-Type", "text/plain")], b"hello from python", send_body)
        elif self.path == "/json.gz":
            self.reply(200, [("Content-Type", "application/json; charset=utf-8"),
                             ("Content-Encoding", "gzip")], gzip.compress(JSON), send_body)
        elif self.path == "/chunked" and send_body:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first ", b"second ", b"third"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.reply(404, [("Content-Type", "text/plain")], b"no such page", send_body)

    def do_HEAD(self):
        self.do_GET(send_body=False)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self):
        body = self.read_body()
        answer = json.dumps({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()})
        self.reply(200, [("Content-Type", "application/json")], answer.encode())

    do_PUT = do_POST


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
