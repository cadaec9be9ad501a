//! Firehose MetadataExtraction: any jq query over any record, under a small budget (the input
//! is the query, a NUL byte, the record). Nothing may crash; runs are
//! given libFuzzer's `-timeout`, far above the budget's time.
#![no_main]
use kinesin_delivery::jq::Limits;
use kinesin_delivery::partition;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let (q, r) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &br#"{"k":"v","n":[1,2,{"x":null}]}"#[..]),
    };
    let Ok(query) = std::str::from_utf8(q) else { return };
    let limits = Limits { steps: 20_000, time: Duration::from_millis(500) };
    let _ = partition::extract_all_within(query, vec![r.to_vec()], limits);
});
