//! JSON 1.1 request decoding plus model validation, for every operation of every model.
#![no_main]
use kinesin_protocol::{json, model};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let models = [model::kinesis(), model::sqs(), model::firehose(), model::pipes()];
    let m = models[pick as usize % models.len()];
    let ops: Vec<&str> = m.operations().collect();
    let op = ops[(pick as usize / models.len()) % ops.len()];
    if let Ok(mut doc) = json::decode(body) {
        let _ = m.validate_input(op, &mut doc);
    }
});
