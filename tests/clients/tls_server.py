"""An HTTPS origin for the TLS client tests: serves the files of DIR over HTTP/1.1 in TLS with
the certificate CERT and its key KEY (PEM). Prints its port, then serves until killed.

    tls_server.py CERT KEY DIR"""

import functools
import ssl
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

cert, key, folder = sys.argv[1:4]


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=folder))
# The handshake in the handler's thread: a stalled client holds up only its own connection.
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
print(server.server_address[1], flush=True)
server.serve_forever()
