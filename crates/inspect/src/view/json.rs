//! Pretty JSON: re-indents the text itself rather than parsing into values, so key order,
//! duplicate keys and numbers of any size or precision stay exactly as sent. Work and output
//! are linear in the input: indentation stops at [`super::MAX_INDENT`] levels and the text at
//! [`super::output_budget`].

use super::{Fragment, Indented, PrettyError};

/// Indented JSON, or why the bytes are not JSON (or too costly to indent).
pub fn pretty(bytes: &[u8]) -> Result<Fragment, PrettyError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut out = Indented::new(text.len());
    reindent(text, 0, &mut out)?;
    Ok(Fragment {
        text: out.text,
        used: bytes.len(),
        depth: 0,
        flat: out.flat,
    })
}

/// Indents a piece of a document too large to indent whole, the way [`pretty`] would: the
/// piece starts at the document's start or right after a `,` outside strings, `depth`
/// containers deep, and ends after its last such `,` (or at its end when `last`), so that the
/// pieces' texts joined with newlines are the whole document indented. Not validated: a
/// document this large is not parsed whole.
pub fn pretty_fragment(bytes: &[u8], depth: usize, last: bool) -> Result<Fragment, PrettyError> {
    let mut used = 0;
    let mut end_depth = depth;
    let mut scan = Scan::default();
    for (i, &b) in bytes.iter().enumerate() {
        scan.step(b);
        if b == b',' && !scan.in_string {
            used = i + 1;
            end_depth = (depth + scan.opened).saturating_sub(scan.closed);
        }
    }
    if last {
        used = bytes.len();
        end_depth = (depth + scan.opened).saturating_sub(scan.closed);
    }
    if used == 0 {
        return Err(PrettyError::NotFormat(
            "no place to break the page outside a string".into(),
        ));
    }
    let text = match std::str::from_utf8(&bytes[..used]) {
        Ok(text) => text,
        Err(e) => return Err(format!("not UTF-8: {e}").into()),
    };
    let mut out = Indented::new(used);
    out.line(depth)?;
    reindent(text, depth, &mut out)?;
    let flat = out.flat;
    let mut text = out.text;
    text.truncate(text.trim_end().len());
    Ok(Fragment {
        text,
        used,
        depth: end_depth,
        flat,
    })
}

/// Containers open at the end of `input` (a document's start), read a piece at a time.
pub fn depth_after(input: impl std::io::Read) -> Result<usize, String> {
    let mut scan = Scan::default();
    for byte in std::io::Read::bytes(std::io::BufReader::new(input)) {
        scan.step(byte.map_err(|e| e.to_string())?);
    }
    Ok(scan.opened.saturating_sub(scan.closed))
}

/// Brackets opened and closed outside strings.
#[derive(Default)]
struct Scan {
    in_string: bool,
    escaped: bool,
    opened: usize,
    closed: usize,
}

impl Scan {
    fn step(&mut self, b: u8) {
        if self.in_string {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.opened += 1,
            b'}' | b']' => self.closed += 1,
            _ => {}
        }
    }
}

/// Appends `text` indented, starting `depth` containers deep.
fn reindent(text: &str, mut depth: usize, indented: &mut Indented) -> Result<(), PrettyError> {
    let newline = |out: &mut Indented, depth: usize| {
        out.text.push('\n');
        out.line(depth)
    };
    let mut scan = Scan::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // Structural characters are ASCII (any other character only ends an escape); a
        // string goes out as it is, quotes included.
        let in_string = scan.in_string;
        scan.step(if c.is_ascii() { c as u8 } else { b'a' });
        if in_string || scan.in_string {
            indented.text.push(c);
            continue;
        }
        match c {
            '{' | '[' => {
                indented.text.push(c);
                // Keep empty containers on one line: `{}` and `[]`.
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if let Some(close @ ('}' | ']')) = chars.peek().copied() {
                    scan.step(close as u8);
                    indented.text.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(indented, depth)?;
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(indented, depth)?;
                indented.text.push(c);
            }
            ',' => {
                indented.text.push(c);
                newline(indented, depth)?;
            }
            ':' => indented.text.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => indented.text.push(c),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_keeping_order_and_exact_numbers() {
        let input =
            br#"{"z":1,"a":[12345678901234567890123,1.50e+3,{}],"s":"x, {y}: \"q\"","e":[]}"#;
        let expected = "{\n  \"z\": 1,\n  \"a\": [\n    12345678901234567890123,\n    1.50e+3,\n    {}\n  ],\n  \"s\": \"x, {y}: \\\"q\\\"\",\n  \"e\": []\n}";
        assert_eq!(pretty(input).unwrap().text, expected);
    }

    #[test]
    fn already_pretty_input_is_normalised() {
        assert_eq!(
            pretty(b"{\n    \"a\" :  [ 1 ,2 ]\n}").unwrap().text,
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }

    #[test]
    fn pages_of_a_big_document_indent_as_the_whole_would() {
        let doc = br#"{"items":[{"id":1,"tags":["a,b",[]]},{"id":2,"s":"q\",{"}],"n":{}}"#;
        let whole = pretty(doc).unwrap().text;
        for cut in 1..doc.len() {
            let Ok(first) = pretty_fragment(&doc[..cut], 0, false) else {
                continue;
            };
            let rest = pretty_fragment(&doc[first.used..], first.depth, true).unwrap();
            assert_eq!(
                format!("{}\n{}", first.text, rest.text),
                whole,
                "cut at {cut}"
            );
            assert_eq!(depth_after(&doc[..first.used]).unwrap(), first.depth);
        }
        assert!(pretty_fragment(br#"{"s":"no comma"#, 0, false).is_err());
    }

    #[test]
    fn deep_nesting_is_indented_to_a_cap_and_bounded() {
        // Valid, but indented it would be gigabytes: refused within the budget.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = pretty(deep.as_bytes()).unwrap_err();
        assert!(matches!(err, PrettyError::OverBudget(_)), "{err}");
        // Pages are not validated: their indentation stops at the cap...
        let page = format!("{}1{}", "[".repeat(50), "]".repeat(50));
        let fragment = pretty_fragment(page.as_bytes(), 0, true).unwrap();
        assert!(fragment.flat);
        let widest = fragment
            .text
            .lines()
            .map(|l| l.len() - l.trim_start().len())
            .max();
        assert_eq!(widest, Some(2 * crate::view::MAX_INDENT));
        assert!(!pretty(b"[[1]]").unwrap().flat);
        // ...and their text at the budget.
        let hostile = format!("{}1,", "[".repeat(200_000));
        let err = pretty_fragment(hostile.as_bytes(), 0, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("8 times its size"), "{err}");
    }

    #[test]
    fn invalid_json_says_where() {
        let err = pretty(b"{\"a\": tru}").unwrap_err().to_string();
        assert!(
            err.starts_with("not JSON:") && err.contains("column"),
            "{err}"
        );
    }
}
