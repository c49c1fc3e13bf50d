"""Real Python clients, run through the monitor by tests/clients/clients.test.mjs:

    clients.py requests BASE_URL   keep-alive session: gzip JSON, POST JSON, GET text
    clients.py soap WSDL_URL       zeep calls say_hello("TCPMon", 2)
    clients.py https URL CA [PROXY] one GET that trusts only CA (the PEM file; "default":
                                   requests' own roots), through the HTTP proxy PROXY if given

Prints what the server answered as JSON, for the test to compare (https: the status and body,
or the kind of error and its message)."""

import json
import sys

kind, url = sys.argv[1], sys.argv[2]
if kind == "requests":
    import requests

    with requests.Session() as s:
        data = s.get(f"{url}/json.gz").json()
        echo = s.post(f"{url}/echo", json={"from": "requests", "n": 42}).json()
        text = s.get(f"{url}/hello.txt").text
    print(json.dumps({"greeting": data["greeting"], "echo": echo, "text": text}))
elif kind == "soap":
    import zeep

    client = zeep.Client(url)
    print(json.dumps({"greetings": list(client.service.say_hello("TCPMon", 2))}))
elif kind == "https":
    import requests

    ca, proxy = sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None
    try:
        r = requests.get(url, verify=True if ca == "default" else ca, timeout=20,
                         proxies={"https": proxy} if proxy else None)
        print(json.dumps({"status": r.status_code, "body": r.text}))
    except requests.exceptions.SSLError as e:
        print(json.dumps({"error": "SSLError", "message": str(e)}))
