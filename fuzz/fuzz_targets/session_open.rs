//! The session loader over any file: it opens or refuses with an error, and every byte range
//! it indexes can be read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use tcpmon_files::session;
use tcpmon_relay::Direction;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(data).expect("write");
    let Ok(opened) = session::open(file.path()) else {
        return;
    };
    for record in opened.store.records() {
        for dir in Direction::BOTH {
            let len = opened.store.recorded_len(record.id, dir).expect("indexed");
            let bytes = opened
                .store
                .read(record.id, dir, 0, len as usize)
                .expect("readable");
            assert_eq!(bytes.len() as u64, len);
        }
    }
});
