//! Pretty XML with quick-xml: elements indented two spaces, text-only elements kept on one
//! line; the declaration, comments, CDATA, processing instructions, doctypes and namespace
//! prefixes are written back as they came. Unlike Apache TCPMon's byte hack, a real parser.

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::Event;

/// Indented XML, or why the bytes are not well-formed XML.
pub fn pretty(bytes: &[u8]) -> Result<String, String> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    reader.config_mut().check_end_names = true;
    let mut writer = Writer::new_with_indent(Vec::with_capacity(bytes.len() * 2), b' ', 2);
    let mut depth = 0usize;
    let mut seen_element = false;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML at byte {at}: {e}"))?;
        match &event {
            Event::Eof => break,
            Event::Start(_) => {
                depth += 1;
                seen_element = true;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Empty(_) => seen_element = true,
            _ => {}
        }
        writer
            .write_event(event)
            .map_err(|e| format!("cannot write XML: {e}"))?;
    }
    if depth > 0 {
        return Err(format!(
            "not well-formed XML: {depth} elements are not closed"
        ));
    }
    if !seen_element {
        return Err("not XML: no element".into());
    }
    String::from_utf8(writer.into_inner()).map_err(|e| format!("not UTF-8 XML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(pretty(input).unwrap(), expected);
    }

    #[test]
    fn deep_nesting_is_fine() {
        let input = format!("{}x{}", "<a>".repeat(500), "</a>".repeat(500));
        let out = pretty(input.as_bytes()).unwrap();
        assert!(out.lines().count() >= 500);
    }

    #[test]
    fn broken_xml_says_why() {
        assert!(
            pretty(b"<a><b></a>")
                .unwrap_err()
                .contains("not well-formed")
        );
        assert!(pretty(b"<a><b>").unwrap_err().contains("not closed"));
        assert!(pretty(b"just text").is_err());
    }
}
