//! The event-stream codec: frames from arbitrary bytes (with their checksums made right half
//! of the time, to get past them), and encode/decode round trips of what decodes.
#![no_main]
use kinesin_protocol::eventstream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = data.to_vec();
    if buf.len() >= 16 && buf[0] & 0x80 == 0 {
        // Lengths that fit, and both checksums right.
        let total = buf.len() as u32;
        buf[..4].copy_from_slice(&total.to_be_bytes());
        let crc = crc32fast::hash(&buf[..8]);
        buf[8..12].copy_from_slice(&crc.to_be_bytes());
        let end = buf.len() - 4;
        let crc = crc32fast::hash(&buf[..end]);
        buf[end..].copy_from_slice(&crc.to_be_bytes());
    }
    let mut rest = &buf[..];
    while let Ok((msg, used)) = eventstream::decode(rest) {
        let encoded = msg.encode();
        let (again, n) = eventstream::decode(&encoded).expect("an encoded message decodes");
        assert_eq!(n, encoded.len());
        assert_eq!(again.encode(), encoded);
        if used == 0 {
            break;
        }
        rest = &rest[used..];
    }
});
