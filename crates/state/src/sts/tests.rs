//! STS's operations through their table: answers spelled as the model says, sessions that
//! answer as their role, and validation worded as STS words it.

use super::api::{Op, StsApi};
use super::Caller;
use crate::clock::ManualClock;
use crate::service::{Checked, Service};
use crate::{Ctx, Engine};
use kinesin_protocol::ApiError;
use serde_json::{json, Value};
use std::sync::Arc;

fn caller(key: Option<&str>) -> Caller {
    Caller { ctx: Ctx::new("000000000000", "us-east-1"), access_key: key.map(str::to_string) }
}

fn call(eng: &mut Engine, key: Option<&str>, name: &str, mut doc: Value) -> Result<Value, ApiError> {
    StsApi::validate(name, &mut doc)?;
    Op::parse(name).expect("an STS operation").visit(Checked { eng, caller: &caller(key), doc })
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    // 2026-03-05T07:08:09.500Z
    let mut eng = Engine::memory(Arc::new(ManualClock::new(1_772_694_489_500)));
    let me = call(&mut eng, None, "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(
        me,
        json!({"Arn": "arn:aws:iam::000000000000:root", "UserId": "000000000000", "Account": "000000000000"})
    );
    let doc =
        json!({"RoleArn": "arn:aws:iam::111122223333:role/svc/app", "RoleSessionName": "run", "DurationSeconds": 1800});
    let out = call(&mut eng, None, "AssumeRole", doc).unwrap();
    assert_eq!(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::111122223333:assumed-role/app/run");
    assert_eq!(out["Credentials"]["Expiration"], 1_772_696_289.0);
    let key = out["Credentials"]["AccessKeyId"].as_str().unwrap().to_string();
    let me = call(&mut eng, Some(&key), "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(me["Arn"], out["AssumedRoleUser"]["Arn"]);
    assert_eq!(me["UserId"], out["AssumedRoleUser"]["AssumedRoleId"]);
    assert_eq!(me["Account"], "111122223333");
    let token = call(&mut eng, None, "GetSessionToken", json!({})).unwrap();
    assert_eq!(token["Credentials"]["Expiration"], 1_772_698_089.0);
}

#[test]
fn validation_is_worded_as_sts_words_it() {
    let mut eng = Engine::memory(Arc::new(ManualClock::new(0)));
    let role = "arn:aws:iam::111122223333:role/r";
    let cases = [
        (json!({"RoleSessionName": "s"}), "RoleArn is required"),
        (json!({"RoleArn": role}), "RoleSessionName is required"),
        (
            json!({"RoleArn": role, "RoleSessionName": "has space"}),
            "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ),
        (
            json!({"RoleArn": "arn:aws:iam::12345:role/r", "RoleSessionName": "ok"}),
            "arn:aws:iam::12345:role/r is invalid",
        ),
        (
            json!({"RoleArn": role, "RoleSessionName": "ok", "DurationSeconds": 50000}),
            "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: \
             Member must have value less than or equal to 43200",
        ),
        (
            json!({"RoleArn": role, "RoleSessionName": "ok", "DurationSeconds": "soon"}),
            "DurationSeconds \"soon\" is not a number",
        ),
    ];
    for (doc, message) in cases {
        let e = call(&mut eng, None, "AssumeRole", doc).unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str(), e.status), ("ValidationError", message, 400));
    }
    assert!(super::credentials::parse_role_arn("arn:aws:s3:::bucket").is_err());
    let e = call(&mut eng, None, "GetSessionToken", json!({"DurationSeconds": 899})).unwrap_err();
    assert!(e.message.ends_with("Member must have value greater than or equal to 900"), "{}", e.message);
    assert!(call(&mut eng, None, "GetSessionToken", json!({"DurationSeconds": 129_600})).is_ok());
}
