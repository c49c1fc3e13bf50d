//! Pretty XML with quick-xml: elements indented two spaces, text-only elements kept on one
//! line; the declaration, comments, CDATA, processing instructions, doctypes and namespace
//! prefixes are written back as they came. Unlike Apache TCPMon's byte hack, a real parser.
//! Work and output are linear in the input: indentation stops at [`super::MAX_INDENT`] levels and
//! the text at [`super::output_budget`].

use super::{Fragment, Indented, PrettyError};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Indented XML, or why the bytes are not well-formed XML (or too costly to indent).
pub fn pretty(bytes: &[u8]) -> Result<Fragment, PrettyError> {
    check(bytes)?;
    indent(bytes, 0, true)
}

/// Whether `bytes` are one well-formed document with at least one element.
fn check(bytes: &[u8]) -> Result<(), PrettyError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut seen_element = false;
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Err(e) => return Err(format!("not well-formed XML at byte {at}: {e}").into()),
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => {
                depth += 1;
                seen_element = true;
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Empty(_)) => seen_element = true,
            Ok(_) => {}
        }
    }
    if depth > 0 {
        return Err(format!("not well-formed XML: {depth} elements are not closed").into());
    }
    if !seen_element {
        return Err(PrettyError::NotFormat("not XML: no element".into()));
    }
    Ok(())
}

/// Indents a piece of a document that starts at a tag or text boundary, `depth` elements deep,
/// the way [`pretty`] would (two spaces per level, text-only elements on one line). The piece
/// ends after its last end tag, empty element, comment or the like (not after a start tag or
/// text, so that `<a>text</a>` stays on one line across pieces); what follows belongs to the
/// next piece.
pub fn pretty_fragment(bytes: &[u8], depth: usize) -> Result<Fragment, PrettyError> {
    indent(bytes, depth, false)
}

/// The indenter behind [`pretty`] and [`pretty_fragment`]: all of a `whole` document, else up
/// to where the piece may end.
fn indent(bytes: &[u8], mut depth: usize, whole: bool) -> Result<Fragment, PrettyError> {
    let used = bytes.iter().rposition(|&b| b == b'>').map_or(0, |i| i + 1);
    let input = &bytes[..used];
    let mut reader = Reader::from_reader(input);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut out = Indented::new(used);
    // 0: after anything else; 1: just after a start tag; 2: after a start tag and its text.
    let mut inline = 0u8;
    // Where the piece can end: input used, text length and depth after that event.
    let mut safe = (0, 0, depth);
    let line = |out: &mut Indented, depth: usize, raw: &[u8]| {
        if !out.text.is_empty() {
            out.text.push('\n');
        }
        out.line(depth)?;
        out.text.push_str(&String::from_utf8_lossy(raw));
        Ok::<_, PrettyError>(())
    };
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML at byte {before}: {e}"))?;
        let after = reader.buffer_position() as usize;
        let raw = input[before..after].trim_ascii();
        let ends_cleanly = !matches!(
            event,
            Event::Start(_) | Event::Text(_) | Event::CData(_) | Event::Eof
        );
        match event {
            Event::Eof => break,
            Event::Text(_) if raw.is_empty() => {}
            Event::Text(_) | Event::CData(_) if inline == 1 => {
                out.text.push_str(&String::from_utf8_lossy(raw));
                inline = 2;
            }
            Event::Start(_) => {
                line(&mut out, depth, raw)?;
                depth += 1;
                inline = 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if inline == 0 {
                    line(&mut out, depth, raw)?;
                } else {
                    out.text.push_str(&String::from_utf8_lossy(raw));
                }
                inline = 0;
            }
            _ => {
                line(&mut out, depth, raw)?;
                inline = 0;
            }
        }
        if ends_cleanly {
            safe = (after, out.text.len(), depth);
        }
    }
    let flat = out.flat;
    let mut text = out.text;
    if safe.0 == 0 || whole {
        // Only start tags and text: nothing better to cut at than the last '>'.
        return Ok(Fragment {
            text,
            used,
            depth,
            flat,
        });
    }
    text.truncate(safe.1);
    Ok(Fragment {
        text,
        used: safe.0,
        depth: safe.2,
        flat,
    })
}

/// Elements open at the end of `input` (a document's start), read a piece at a time.
pub fn depth_after(input: impl std::io::BufRead) -> Result<usize, String> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut depth = 0usize;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => return Ok(depth),
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML: {e}")),
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::MAX_INDENT;

    #[test]
    fn soap_envelope_is_indented_with_everything_kept() {
        let input = br#"<?xml version="1.0" encoding="UTF-8"?><!-- note --><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:ping xmlns:m="urn:x">ok</m:ping><m:data><![CDATA[<raw> & stuff]]></m:data><?pi target?><m:empty/></soap:Body></soap:Envelope>"#;
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- note -->
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <m:ping xmlns:m="urn:x">ok</m:ping>
    <m:data><![CDATA[<raw> & stuff]]></m:data>
    <?pi target?>
    <m:empty/>
  </soap:Body>
</soap:Envelope>"#;
        assert_eq!(pretty(input).unwrap().text, expected);
    }

    #[test]
    fn deep_nesting_is_indented_to_a_cap_and_bounded() {
        let input = format!("{}x{}", "<a>".repeat(500), "</a>".repeat(500));
        let out = pretty(input.as_bytes()).unwrap();
        assert!(out.flat);
        assert_eq!(out.text.lines().count(), 999);
        let widest = out
            .text
            .lines()
            .map(|l| l.len() - l.trim_start().len())
            .max();
        assert_eq!(widest, Some(2 * MAX_INDENT));
        // 100,000 levels: refused within the budget, in linear time.
        let input = format!("{}x{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let err = pretty(input.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("8 times its size"), "{err}");
        // Within MAX_INDENT nothing is flattened.
        assert!(!pretty(b"<a><b><c/></b></a>").unwrap().flat);
    }

    #[test]
    fn pages_of_a_big_document_indent_as_the_whole_would() {
        let doc = br#"<?xml version="1.0"?><orders><order id="1"><item>a</item><!-- c --><qty>3</qty></order><order id="2"><empty/><item>b</item></order></orders>"#;
        let whole = pretty(doc).unwrap().text;
        // Split at every '>' and page through, carrying the depth.
        for cut in (0..doc.len()).filter(|&i| doc[i] == b'>') {
            let first = pretty_fragment(&doc[..cut + 1], 0).unwrap();
            assert!(first.used <= cut + 1);
            let rest = pretty_fragment(&doc[first.used..], first.depth).unwrap();
            assert_eq!(rest.depth, 0);
            let joined = [first.text, rest.text].join("\n");
            assert_eq!(joined.trim(), whole, "cut after byte {cut}");
            assert_eq!(depth_after(&doc[..first.used]).unwrap(), first.depth);
        }
        // A piece that ends inside a tag stops at its last '>'.
        let piece = pretty_fragment(b"<a><b>x</b><c at", 0).unwrap();
        assert_eq!(
            (piece.text.as_str(), piece.used, piece.depth),
            ("<a>\n  <b>x</b>", 11, 1)
        );
    }

    #[test]
    fn broken_xml_says_why() {
        assert!(
            pretty(b"<a><b></a>")
                .unwrap_err()
                .to_string()
                .contains("not well-formed")
        );
        assert!(
            pretty(b"<a><b>")
                .unwrap_err()
                .to_string()
                .contains("not closed")
        );
        assert!(pretty(b"just text").is_err());
    }
}
