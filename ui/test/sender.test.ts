import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applySoap, buildRequest, DEFAULT_SENDER, parseHeaders, SOAP_ENVELOPE, urlProblem } from "../src/sender";

describe("the Sender's headers box", () => {
  test('"Name: value" per line; blank lines skipped; values trimmed, colons in values kept', () => {
    assert.deepEqual(parseHeaders("Accept: application/json\n\n  \nX-Time:  12:30:01 \r\nX-Empty:"), {
      headers: [
        ["Accept", "application/json"],
        ["X-Time", "12:30:01"],
        ["X-Empty", ""],
      ],
    });
    assert.deepEqual(parseHeaders(""), { headers: [] });
  });

  test("a line without a colon, with a bad name, or continued, is named by its number", () => {
    const no = parseHeaders("Accept: */*\nBearer abc");
    assert.ok("error" in no);
    assert.equal(no.error.field, "headers");
    assert.match(no.error.message, /line 2 has no colon/);
    const bad = parseHeaders("Bad Name: x");
    assert.ok("error" in bad && /"Bad Name" is not a header name/.test(bad.error.message));
    const folded = parseHeaders("A: b\n  continued");
    assert.ok("error" in folded && /line 2 starts with a space/.test(folded.error.message));
  });
});

describe("the Sender's URL", () => {
  test("http:// and https:// with a host are accepted", () => {
    assert.equal(urlProblem(" http://localhost:8080/axis2/services/XYZ "), null);
    assert.equal(urlProblem("HTTP://[::1]:81/"), null);
    assert.equal(urlProblem("https://example.org/"), null);
  });

  test("other schemes, no scheme and nothing are each explained", () => {
    assert.match(urlProblem("example.org/x")!, /Only http:\/\/ and https:\/\/ URLs/);
    assert.match(urlProblem("ftp://example.org/")!, /Only http:\/\/ and https:\/\/ URLs/);
    assert.match(urlProblem("")!, /Enter the URL/);
    assert.match(urlProblem("http://")!, /not a URL|no host/);
  });
});

describe("building the request", () => {
  test("the form becomes a SendRequest, the body untouched", () => {
    const built = buildRequest({
      method: " PUT ",
      url: " http://api.test/items/1 ",
      headers: "Content-Type: application/json",
      body: ' {"a":1}\n',
    });
    assert.deepEqual(built, {
      request: {
        method: "PUT",
        url: "http://api.test/items/1",
        headers: [["Content-Type", "application/json"]],
        body: ' {"a":1}\n',
      },
    });
  });

  test("each mistake points at its field", () => {
    const field = (values: Partial<typeof DEFAULT_SENDER>) => {
      const built = buildRequest({ ...DEFAULT_SENDER, url: "http://a.test/", ...values });
      return "error" in built ? built.error.field : null;
    };
    assert.equal(field({ method: "" }), "method");
    assert.equal(field({ method: "GE T" }), "method");
    assert.equal(field({ url: "ftp://a.test/" }), "url");
    assert.equal(field({ url: "https://a.test/" }), null, "https is sent over TLS");
    assert.equal(field({ headers: "nonsense" }), "headers");
    assert.equal(field({ method: "PROPFIND" }), null, "any token is a method");
  });
});

describe("the SOAP helper", () => {
  test("POST, the two SOAP headers and an envelope for an empty form", () => {
    const soap = applySoap({ ...DEFAULT_SENDER, url: "http://ws.test/svc", body: "  \n" });
    assert.equal(soap.method, "POST");
    assert.equal(soap.url, "http://ws.test/svc");
    assert.equal(soap.headers, 'Content-Type: text/xml; charset=utf-8\nSOAPAction: ""');
    assert.equal(soap.body, SOAP_ENVELOPE);
    assert.match(soap.body, /xmlns:soapenv="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/"/);
  });

  test("headers already there (any case) and a body already typed are kept", () => {
    const soap = applySoap({
      method: "GET",
      url: "",
      headers: 'Accept: text/xml\nsoapaction: "urn:Ping"\n\n',
      body: "<Ping/>",
    });
    assert.equal(soap.headers, 'Accept: text/xml\nsoapaction: "urn:Ping"\nContent-Type: text/xml; charset=utf-8');
    assert.equal(soap.body, "<Ping/>");
    assert.deepEqual(applySoap(soap), soap, "applying it twice changes nothing more");
  });
});
