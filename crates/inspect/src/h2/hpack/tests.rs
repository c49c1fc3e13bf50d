//! RFC 7541 Appendix C's examples, and the bounds.

use super::*;

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("ascii"), 16).expect("hex"))
        .collect()
}

fn decode(decoder: &mut Decoder, block: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    decoder.decode(block, 1 << 20, &mut out).expect("decodes");
    out.into_iter().map(|f| (f.name, f.value)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn table(decoder: &Decoder) -> Vec<(String, String)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    decoder
        .table
        .iter()
        .map(|(n, v)| (text(n), text(v)))
        .collect()
}

const REQ1: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
];
const REQ2: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
    ("cache-control", "no-cache"),
];
const REQ3: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/index.html"),
    (":authority", "www.example.com"),
    ("custom-key", "custom-value"),
];

/// C.3 and C.4: the same three requests, in one connection each.
fn requests(blocks: [&str; 3]) {
    let mut d = Decoder::new();
    assert_eq!(decode(&mut d, &hex(blocks[0])), pairs(REQ1));
    assert_eq!(d.table_size(), 57);
    assert_eq!(decode(&mut d, &hex(blocks[1])), pairs(REQ2));
    assert_eq!(d.table_size(), 110);
    assert_eq!(decode(&mut d, &hex(blocks[2])), pairs(REQ3));
    assert_eq!(d.table_size(), 164);
    let expected = [
        ("custom-key", "custom-value"),
        ("cache-control", "no-cache"),
        (":authority", "www.example.com"),
    ];
    assert_eq!(table(&d), pairs(&expected));
}

#[test]
fn rfc7541_c3_requests_without_huffman() {
    requests([
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ]);
}

#[test]
fn rfc7541_c4_requests_with_huffman() {
    requests([
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ]);
}

const DATE1: &str = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2: &str = "Mon, 21 Oct 2013 20:13:22 GMT";
const COOKIE: &str = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const LOCATION: &str = "https://www.example.com";

/// C.5 and C.6: three responses with a 256-byte table, so entries are evicted. The examples
/// start with the table already at 256; here a size update at the head of the first block
/// sets it, as an encoder would.
fn responses(blocks: [&str; 3]) {
    let mut d = Decoder::new();
    let mut first = hex("3fe101");
    first.extend(hex(blocks[0]));
    let r1 = [
        (":status", "302"),
        ("cache-control", "private"),
        ("date", DATE1),
        ("location", LOCATION),
    ];
    assert_eq!(decode(&mut d, &first), pairs(&r1));
    assert_eq!(d.table_size(), 222);
    let r2 = [(":status", "307"), r1[1], r1[2], r1[3]];
    assert_eq!(decode(&mut d, &hex(blocks[1])), pairs(&r2));
    assert_eq!(d.table_size(), 222);
    let t2 = [r2[0], r1[3], r1[2], r1[1]];
    assert_eq!(table(&d), pairs(&t2));
    let r3 = [
        (":status", "200"),
        ("cache-control", "private"),
        ("date", DATE2),
        ("location", LOCATION),
        ("content-encoding", "gzip"),
        ("set-cookie", COOKIE),
    ];
    assert_eq!(decode(&mut d, &hex(blocks[2])), pairs(&r3));
    assert_eq!(d.table_size(), 215);
    let t3 = [r3[5], r3[4], r3[2]];
    assert_eq!(table(&d), pairs(&t3));
}

#[test]
fn rfc7541_c5_responses_without_huffman() {
    responses([
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31",
    ]);
}

#[test]
fn rfc7541_c6_responses_with_huffman() {
    responses([
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ]);
}

#[test]
fn size_updates_are_bounded_by_settings_and_the_cap() {
    let mut d = Decoder::new();
    // 8192 (0x3f e1 3f): over the initial 4096 until the peer allows it.
    let update = hex("3fe13f 82");
    let err = d.decode(&update, 1 << 20, &mut Vec::new());
    assert_eq!(
        err,
        Err(HpackError::OverSetting {
            size: 8192,
            allowed: 4096
        })
    );
    d.allow(8192);
    assert_eq!(decode(&mut d, &update), pairs(&[(":method", "GET")]));
    // A setting above 64 KiB allows only 64 KiB.
    d.allow(1 << 20);
    let over = hex("3fe2ff03 82");
    let (size, _) = integer(&over, 5).expect("integer");
    assert!(size > TABLE_CAP as u64);
    assert_eq!(
        d.decode(&over, 1 << 20, &mut Vec::new()),
        Err(HpackError::TableCap(size))
    );
    // An update after a field.
    assert_eq!(
        d.decode(&hex("82 20"), 1 << 20, &mut Vec::new()),
        Err(HpackError::LateSizeUpdate)
    );
}

#[test]
fn size_zero_empties_the_table_and_its_indexes_go() {
    let mut d = Decoder::new();
    decode(
        &mut d,
        &hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
    );
    assert_eq!(
        decode(&mut d, &hex("be")),
        pairs(&[(":authority", "www.example.com")])
    );
    assert_eq!(decode(&mut d, &hex("20 82")), pairs(&[(":method", "GET")]));
    assert_eq!(d.table_size(), 0);
    assert_eq!(
        d.decode(&hex("be"), 1 << 20, &mut Vec::new()),
        Err(HpackError::Index(62))
    );
}

#[test]
fn malformed_blocks_are_errors_not_panics() {
    let mut d = Decoder::new();
    let cases: [(&str, HpackError); 5] = [
        ("80", HpackError::Index(0)),
        ("41", HpackError::Truncated),
        ("410a 6162", HpackError::Truncated),
        ("ff ffff ffff ff", HpackError::Integer),
        ("418a ffff", HpackError::Truncated),
    ];
    for (block, error) in cases {
        assert_eq!(
            d.decode(&hex(block), 1 << 20, &mut Vec::new()),
            Err(error),
            "{block}"
        );
    }
}

#[test]
fn the_header_list_cap_stops_a_long_list() {
    let mut d = Decoder::new();
    // ":method: GET" is 3 + 7 + 32 = 42 bytes; 100 of them are 4200.
    let block = vec![0x82; 100];
    assert_eq!(
        d.decode(&block, 4199, &mut Vec::new()),
        Err(HpackError::ListCap(4199))
    );
    let mut out = Vec::new();
    d.decode(&block, 4200, &mut out).expect("at the cap");
    assert_eq!(out.len(), 100);
}
