//! EventBridge event patterns: parsing a pattern and matching it against an event (the input
//! is the pattern text, a NUL byte, the event text).
#![no_main]
use kinesin_state::pipes::pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (p, e) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(text) = std::str::from_utf8(p) else { return };
    let Ok(pat) = pattern::parse(text) else { return };
    if let Ok(event) = serde_json::from_slice::<serde_json::Value>(e) {
        let _ = pat.matches(&event);
    }
});
