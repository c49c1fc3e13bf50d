"""A real SOAP 1.1 service built with spyne (WSDL at /?wsdl): say_hello(name, times) returns
a list of greetings. Prints its port, then serves until killed."""

import logging
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

from spyne import Application, Integer, Iterable, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication


class HelloWorldService(ServiceBase):
    @rpc(Unicode, Integer, _returns=Iterable(Unicode))
    def say_hello(ctx, name, times):
        for i in range(times):
            yield f"Hello, {name} ({i + 1})"


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


logging.disable(logging.CRITICAL)
app = Application([HelloWorldService], tns="urn:tcpmon.test.hello",
                  in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
server = make_server("127.0.0.1", 0, WsgiApplication(app), handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
