//! Pipes JSONPath parameters and InputTemplate filling (the input is the path or template,
//! a NUL byte, the event text).
#![no_main]
use kinesin_state::pipes::jsonpath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (t, e) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &br#"{"data":{"a":[1,{"b":"c"}]}}"#[..]),
    };
    let Ok(text) = std::str::from_utf8(t) else { return };
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(e) else { return };
    let _ = jsonpath::resolve(text, &event);
    let _ = jsonpath::fill_template(text, &event, &event.to_string());
});
