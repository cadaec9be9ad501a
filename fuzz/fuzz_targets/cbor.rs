//! CBOR request decoding (Kinesis), then validation and re-encoding of what decodes.
#![no_main]
use kinesin_protocol::{cbor, model};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let m = model::kinesis();
    let ops: Vec<&str> = m.operations().collect();
    let op = ops[pick as usize % ops.len()];
    if let Ok(mut doc) = cbor::decode_input(m, op, body) {
        let _ = m.validate_input(op, &mut doc);
        let again = cbor::encode_input(m, op, &doc);
        assert!(cbor::decode_input(m, op, &again).is_ok(), "re-encoded input does not decode");
    }
});
