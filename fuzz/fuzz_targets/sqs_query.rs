//! SQS query protocol: form decoding, the model-driven decoding of every operation, and
//! validation.
#![no_main]
use kinesin_protocol::model;
use kinesin_protocol::sqs::query;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = query::parse_form(data) else { return };
    let m = model::sqs();
    let op = match form.get("Action") {
        Some(a) if m.has_operation(a) => a.clone(),
        _ => m.operations().nth(data.len() % m.operations().count()).unwrap_or("SendMessage").to_string(),
    };
    let mut doc = query::decode_input(m, &op, &form);
    let _ = m.validate_input(&op, &mut doc);
});
