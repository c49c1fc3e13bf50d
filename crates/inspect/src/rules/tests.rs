use super::apply::{Edited, edit, matching};
use super::*;

fn one(json: &str) -> Result<Rule, RulesError> {
    parse(&format!("[{json}]"), Path::new("/srv/rules")).map(|mut r| r.remove(0))
}

fn reason(json: &str) -> String {
    match one(json) {
        Err(RulesError::Rule { index: 1, reason }) => reason,
        other => panic!("{json}: {other:?}"),
    }
}

#[test]
fn every_action_parses_with_its_phase() {
    let rules = parse(
        r#"[
        {"when": "path:/api", "on": "response", "then": {"setHeader": {"X-Debug": "1"}}},
        {"when": "method:POST", "then": {"mock": {"status": 201, "headers": {"X-A": "b"}, "body": "hi"}}},
        {"when": "host:a.test", "then": {"map": "127.0.0.1:8080/v2/"}, "enabled": false},
        {"when": "", "then": {"removeHeader": ["Cookie"]}},
        {"when": "status:5xx", "on": "response", "then": {"replaceBody": {"find": "a(b)", "with": "$1", "regex": true}}},
        {"when": "", "then": {"break": "response"}},
        {"when": "", "then": {"mock": {"bodyFile": "bodies/a.json"}}}
    ]"#,
        Path::new("/srv/rules"),
    )
    .unwrap();
    let names: Vec<_> = rules.iter().map(|r| r.action.name()).collect();
    assert_eq!(
        names,
        [
            "setHeader",
            "mock",
            "map",
            "removeHeader",
            "replaceBody",
            "break",
            "mock"
        ]
    );
    let phases: Vec<_> = rules.iter().map(|r| r.phase).collect();
    use Phase::*;
    assert_eq!(
        phases,
        [
            Response, Request, Request, Request, Response, Response, Request
        ]
    );
    assert!(!rules[2].enabled && rules[1].enabled);
    let Action::Map(to) = &rules[2].action else {
        panic!()
    };
    assert_eq!(
        (to.host.as_str(), to.port, to.path("/x")),
        ("127.0.0.1", 8080, "/v2/x".to_string())
    );
    let Action::Mock(mock) = &rules[6].action else {
        panic!()
    };
    assert_eq!(mock.status, 200);
    assert_eq!(mock.body, MockBody::File("/srv/rules/bodies/a.json".into()));
}

#[test]
fn wrong_rules_say_which_and_why() {
    let cases = [
        (
            r#"{"when": "status:404", "then": {"setHeader": {"A": "b"}}}"#,
            "status: is a response term",
        ),
        (
            r#"{"when": "", "on": "response", "then": {"mock": {}}}"#,
            "mock acts on requests",
        ),
        (
            r#"{"when": "", "on": "later", "then": {"removeHeader": ["A"]}}"#,
            "on \"later\"",
        ),
        (
            r#"{"when": "/[/", "then": {"removeHeader": ["A"]}}"#,
            "invalid regular expression",
        ),
        (
            r#"{"when": "", "then": {"setHeader": {"Content-Length": "5"}}}"#,
            "framing itself",
        ),
        (
            r#"{"when": "", "then": {"removeHeader": ["Transfer-Encoding"]}}"#,
            "framing itself",
        ),
        (
            r#"{"when": "", "then": {"setHeader": {"A": "b\r\nEvil: 1"}}}"#,
            "line break",
        ),
        (
            r#"{"when": "", "then": {"setHeader": {"A B": "c"}}}"#,
            "not a header name",
        ),
        (
            r#"{"when": "", "then": {"map": "nohost"}}"#,
            "give host:port",
        ),
        (
            r#"{"when": "", "then": {"map": "a:99999"}}"#,
            "give host:port",
        ),
        (
            r#"{"when": "", "then": {"mock": {"status": 42}}}"#,
            "give 200 to 599",
        ),
        (
            r#"{"when": "", "then": {"mock": {"body": "a", "bodyFile": "b"}}}"#,
            "not both",
        ),
        (
            r#"{"when": "", "then": {"mock": {"bodyFile": "../../etc/passwd"}}}"#,
            "outside the rules file's folder",
        ),
        (
            r#"{"when": "", "then": {"mock": {"bodyFile": "/etc/passwd"}}}"#,
            "outside the rules file's folder",
        ),
        (
            r#"{"when": "", "then": {"replaceBody": {"find": "", "with": "x"}}}"#,
            "find is empty",
        ),
        (
            r#"{"when": "", "then": {"replaceBody": {"find": "(", "with": "x", "regex": true}}}"#,
            "invalid regular expression",
        ),
        (
            r#"{"when": "", "then": {"break": "sometimes"}}"#,
            "break \"sometimes\"",
        ),
        (r#"{"when": "", "then": {"explode": 1}}"#, "unknown variant"),
        (r#"{"then": {"break": "request"}}"#, "missing field `when`"),
    ];
    for (json, says) in cases {
        let why = reason(json);
        assert!(why.contains(says), "{json}: {why}");
    }
    let err = parse("{}", Path::new("/")).unwrap_err();
    assert!(matches!(err, RulesError::NotArray(_)), "{err}");
    let err = parse(
        r#"[{"when": "", "then": {"break": "request"}}, {}]"#,
        Path::new("/"),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("rule 2: "), "{err}");
}

#[test]
fn body_files_stay_in_their_folder() {
    let folder = Path::new("/srv/rules");
    assert_eq!(
        inside(folder, Path::new("a/../b.txt")),
        Some("/srv/rules/b.txt".into())
    );
    assert_eq!(
        inside(folder, Path::new("/srv/rules/x")),
        Some("/srv/rules/x".into())
    );
    for escape in [
        "..",
        "../rules2/x",
        "a/../../x",
        "/srv/rulesx",
        "/",
        ".",
        "../../../../..",
    ] {
        assert_eq!(inside(folder, Path::new(escape)), None, "{escape}");
    }
    assert_eq!(inside(Path::new("rel"), Path::new("../x")), None);
    assert_eq!(
        inside(Path::new("rel"), Path::new("x")),
        Some("rel/x".into())
    );
}

#[test]
fn request_rules_match_request_terms_and_response_rules_see_both() {
    let rules = parse(
        r#"[
        {"when": "method:POST path:/orders header:SOAPAction", "then": {"mock": {}}},
        {"when": "body:needle", "then": {"removeHeader": ["X"]}},
        {"when": "host:target.test", "then": {"removeHeader": ["X"]}},
        {"when": "path:/orders status:4xx", "on": "response", "then": {"removeHeader": ["X"]}},
        {"when": "", "then": {"removeHeader": ["X"]}, "enabled": false}
    ]"#,
        Path::new("/"),
    )
    .unwrap();
    let request = b"POST /orders HTTP/1.1\r\nSOAPAction: x\r\nContent-Length: 9\r\n\r\na needle!";
    let host = "target.test:80";
    assert_eq!(
        matching(&rules, Phase::Request, request, None, host),
        [0, 1, 2]
    );
    let head_only = &request[..request.len() - 9];
    assert_eq!(
        matching(&rules, Phase::Request, head_only, None, host),
        [0, 2]
    );
    let response = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        matching(&rules, Phase::Response, request, Some(response), host),
        [3]
    );
    let ok = b"HTTP/1.1 200 OK\r\n\r\n";
    assert!(matching(&rules, Phase::Response, request, Some(ok), host).is_empty());
    assert!(matching(&rules, Phase::Request, b"\x16\x03 not http", None, host).is_empty());
}

fn modify(json: &str) -> Modify {
    match one(json).unwrap().action {
        Action::Modify(m) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn header_edits_keep_the_body_and_body_edits_fix_its_length() {
    let set =
        modify(r#"{"when": "", "then": {"setHeader": {"X-New": "1", "accept": "text/plain"}}}"#);
    let remove = modify(r#"{"when": "", "then": {"removeHeader": ["Cookie"]}}"#);
    let head = b"GET / HTTP/1.1\r\nAccept: */*\r\nCookie: a=1\r\n continued\r\n\r\n";
    let out = edit(head, None, &[&set, &remove]);
    assert_eq!(
        String::from_utf8(out.head).unwrap(),
        "GET / HTTP/1.1\r\nX-New: 1\r\naccept: text/plain\r\n\r\n"
    );
    assert_eq!(out.body, None);

    let literal = modify(r#"{"when": "", "then": {"replaceBody": {"find": "a.c", "with": "XY"}}}"#);
    let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let out = edit(head, Some(b"abc a.c a.c"), &[&literal]);
    assert_eq!(
        out,
        Edited {
            head: b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n".to_vec(),
            body: Some(b"abc XY XY".to_vec()),
            notes: vec![],
        }
    );
    let regex = modify(
        r#"{"when": "", "then": {"replaceBody": {"find": "(\\d+)", "with": "<$1>", "regex": true}}}"#,
    );
    let out = edit(b"POST / HTTP/1.0\n\n", Some(b"a1b22"), &[&regex]);
    assert_eq!(out.head, b"POST / HTTP/1.0\nContent-Length: 9\n\n");
    assert_eq!(out.body.unwrap(), b"a<1>b<22>");
    let unchanged = edit(head, Some(b"nothing here"), &[&literal]);
    assert_eq!((unchanged.head, unchanged.body), (head.to_vec(), None));
}

#[test]
fn encoded_or_unheld_bodies_are_noted_not_replaced() {
    let literal = modify(r#"{"when": "", "then": {"replaceBody": {"find": "a", "with": "b"}}}"#);
    let gz = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n";
    let out = edit(gz, Some(b"\x1f\x8ba"), &[&literal]);
    assert_eq!((out.head.as_slice(), out.body), (&gz[..], None));
    assert_eq!(out.notes, ["the body is gzip-encoded: not replaced"]);
    let out = edit(b"GET / HTTP/1.1\r\n\r\n", None, &[&literal]);
    assert_eq!(out.notes, ["the body was not held: not replaced"]);
}

#[test]
fn a_mock_is_a_whole_response() {
    let Action::Mock(mock) = one(
        r#"{"when": "", "then": {"mock": {"status": 418, "headers": {"Content-Type": "text/plain"}, "body": "x"}}}"#,
    )
    .unwrap()
    .action
    else {
        panic!()
    };
    let MockBody::Text(body) = &mock.body else {
        panic!()
    };
    assert_eq!(
        String::from_utf8(mock.response(body)).unwrap(),
        "HTTP/1.1 418 Mocked\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx"
    );
}
