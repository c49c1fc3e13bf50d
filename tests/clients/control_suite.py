"""A user's integration suite driving `tcpmon-cli control` with Python requests: TCPMon between
the client under test and its server, a fault switched on and off, assertions on the capture,
and every call checked against the OpenAPI document the API serves (the path and method are
described, the status is one it lists, and JSON bodies are what the schema says).

Usage: python control_suite.py TCPMON_CLI  (prints "ok N calls checked" and exits 0, or fails)
"""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest

import requests


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the service"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class OpenApi:
    """The document, and what each call is checked against."""

    def __init__(self, doc):
        self.doc = doc
        self.checked = 0

    def operation(self, method, path):
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path) and method.lower() in item:
                return item[method.lower()]
        raise AssertionError(f"{method} {path} is not in the OpenAPI document")

    def check(self, method, path, response):
        operation = self.operation(method, path)
        documented = operation["responses"]
        assert str(response.status_code) in documented, (method, path, response.status_code, list(documented))
        if response.headers.get("Content-Type") == "application/json":
            body = response.json()
            if response.status_code >= 400:
                schema = self.doc["components"]["schemas"]["Error"]
                assert set(body) == set(schema["properties"]), body
            content = documented[str(response.status_code)].get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if schema.get("type") == "array":
                assert isinstance(body, list), body
        self.checked += 1
        return response


class ControlSuite(unittest.TestCase):
    cli = None

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.control = subprocess.Popen([cls.cli, "control"], stdout=subprocess.PIPE, text=True)
        first = cls.control.stdout.readline().split()
        cls.base, token = first[3], first[5]
        cls.auth = {"Authorization": f"Bearer {token}"}
        cls.api = OpenApi(requests.get(cls.base + "/openapi.json", timeout=10).json())

    @classmethod
    def tearDownClass(cls):
        cls.control.terminate()
        cls.control.wait(timeout=20)
        cls.server.shutdown()

    def call(self, method, path, body=None):
        response = requests.request(method, self.base + path, json=body, headers=self.auth, timeout=20)
        return self.api.check(method, path, response)

    def test_the_service_through_tcpmon_with_and_without_a_fault(self):
        port = self.server.server_address[1]
        listener = self.call("POST", "/listeners", {"args": ["0", "127.0.0.1", str(port)]}).json()
        relay = "http://" + listener["local_addr"]
        self.assertEqual(requests.get(relay + "/hello", timeout=10).text, "hello from the service")

        own_port = listener["local_addr"].rsplit(":", 1)[1]
        faulty = ["--fault", "status=503"]
        self.call("PUT", f"/listeners/{listener['id']}", {"args": [own_port, "127.0.0.1", str(port), *faulty]})
        self.assertEqual(requests.get(relay + "/hello", timeout=10).status_code, 503)

        self.call("PUT", f"/listeners/{listener['id']}", {"args": [own_port, "127.0.0.1", str(port)]})
        self.assertEqual(requests.get(relay + "/again", timeout=10).status_code, 200)

        everything = self.call("GET", "/connections").json()
        connections = [c for c in everything if c["listener"] == listener["id"]]
        statuses = [c["exchanges"][0]["status"] for c in connections]
        self.assertEqual(statuses, [200, 503, 200])
        self.assertTrue(connections[1]["faults"], connections[1])
        last = connections[2]["id"]
        response = self.call("GET", f"/connections/{last}/exchanges/1/request").content
        self.assertTrue(response.startswith(b"GET /again HTTP/1.1\r\n"), response)
        self.assertEqual(self.call("GET", f"/connections/{last}/exchanges/2/request").status_code, 404)

        unknown = requests.get(self.base + "/nothing", headers=self.auth, timeout=10)
        self.assertEqual((unknown.status_code, set(unknown.json())), (404, {"error"}))
        refused = self.call("POST", "/listeners", {"args": ["0", "--quiet"]})
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(self.call("DELETE", f"/listeners/{listener['id']}").status_code, 204)
        self.assertEqual(self.call("GET", "/listeners").json(), [])

    def test_rules_come_with_the_listener_arguments(self):
        port = self.server.server_address[1]
        with tempfile.TemporaryDirectory() as folder:
            rules = os.path.join(folder, "rules.json")
            with open(rules, "w") as file:
                json.dump([{"when": "path:/mocked", "then": {"mock": {"status": 418, "body": "teapot"}}}], file)
            args = ["0", "127.0.0.1", str(port), "--rules", rules]
            listener = self.call("POST", "/listeners", {"args": args}).json()
        relay = "http://" + listener["local_addr"]
        mocked = requests.get(relay + "/mocked", timeout=10)
        self.assertEqual((mocked.status_code, mocked.text), (418, "teapot"))
        self.assertEqual(requests.get(relay + "/real", timeout=10).text, "hello from the service")
        self.call("DELETE", f"/listeners/{listener['id']}")

    def test_without_the_token_nothing_but_the_document(self):
        self.assertEqual(requests.get(self.base + "/connections", timeout=10).status_code, 401)
        wrong = {"Authorization": "Bearer 00"}
        self.assertEqual(requests.get(self.base + "/listeners", headers=wrong, timeout=10).status_code, 401)


if __name__ == "__main__":
    ControlSuite.cli = sys.argv.pop(1)
    result = unittest.main(exit=False, verbosity=0).result
    if not result.wasSuccessful():
        sys.exit(1)
    print(f"ok {ControlSuite.api.checked} calls checked against the OpenAPI document")
