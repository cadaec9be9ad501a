//! STS query protocol: form decoding, the model-driven decoding of each operation, STS's
//! validation, and the XML answer of whatever the document holds.
#![no_main]
use kinesin_protocol::model;
use kinesin_protocol::query;
use kinesin_protocol::sqs::query::parse_form;
use kinesin_state::service::Service;
use kinesin_state::sts::api::StsApi;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = parse_form(data) else { return };
    let m = model::sts();
    let op = match form.get("Action") {
        Some(a) if m.has_operation(a) => a.clone(),
        _ => m.operations().nth(data.len() % m.operations().count()).unwrap_or("AssumeRole").to_string(),
    };
    let mut doc = query::decode_input(m, &op, &form);
    let _ = StsApi::validate(&op, &mut doc);
    let _ = query::encode_output(m, &op, &doc, "r");
});
