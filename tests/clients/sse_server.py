"""A Server-Sent Events origin for the tests: GET /events streams three events (chunked, a
comment between them, one with a type and an id, one of two data lines), then ends the
response. Prints its port."""

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVENTS = [b"data: one\n\n", b": keep-alive\n\n", b"event: add\nid: 7\ndata: two\n\n", b"data: three\ndata: lines\n\n"]


class Events(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in EVENTS:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            time.sleep(0.05)
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Events)
print(server.server_address[1], flush=True)
server.serve_forever()
