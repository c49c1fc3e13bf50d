//! Pretty JSON: re-indents the text itself rather than parsing into values, so key order,
//! duplicate keys and numbers of any size or precision stay exactly as sent.

/// Indented JSON, or why the bytes are not JSON.
pub fn pretty(bytes: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Keep empty containers on one line: `{}` and `[]`.
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or(' '));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_keeping_order_and_exact_numbers() {
        let input =
            br#"{"z":1,"a":[12345678901234567890123,1.50e+3,{}],"s":"x, {y}: \"q\"","e":[]}"#;
        let expected = "{\n  \"z\": 1,\n  \"a\": [\n    12345678901234567890123,\n    1.50e+3,\n    {}\n  ],\n  \"s\": \"x, {y}: \\\"q\\\"\",\n  \"e\": []\n}";
        assert_eq!(pretty(input).unwrap(), expected);
    }

    #[test]
    fn already_pretty_input_is_normalised() {
        assert_eq!(
            pretty(b"{\n    \"a\" :  [ 1 ,2 ]\n}").unwrap(),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }

    #[test]
    fn invalid_json_says_where() {
        let err = pretty(b"{\"a\": tru}").unwrap_err();
        assert!(
            err.starts_with("not JSON:") && err.contains("column"),
            "{err}"
        );
    }
}
