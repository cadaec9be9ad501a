//! IAM query protocol: form decoding (`Name.member.N` lists), the model-driven decoding of
//! each operation, IAM's validation, the typed input of the operation, and the XML answer of
//! whatever the document holds.
#![no_main]
use kinesin_protocol::sqs::query::parse_form;
use kinesin_protocol::{json, model, query};
use kinesin_state::iam::api::{IamApi, Op};
use kinesin_state::service::{Operation, Service, Visitor};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Decodes a validated document into the operation's typed input.
struct Typed(Value);

impl Visitor<IamApi> for Typed {
    type Out = ();

    fn visit<O: Operation<Service = IamApi>>(self) {
        let _ = json::into_input::<O::Input>(self.0);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(form) = parse_form(data) else { return };
    let m = model::iam();
    let op = match form.get("Action").and_then(|a| Op::parse(a)) {
        Some(op) => op,
        None => Op::ALL[data.len() % Op::ALL.len()],
    };
    let mut doc = query::decode_input(m, op.name(), &form);
    if IamApi::validate(op.name(), &mut doc).is_ok() {
        op.visit(Typed(doc.clone()));
    }
    let _ = query::encode_output(m, op.name(), &doc, "r");
});
