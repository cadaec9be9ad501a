//! IAM's operations through their table: answers spelled as the model says, attachments and
//! versions, paging, and errors worded and coded as IAM answers them.

use super::api::{IamApi, Op};
use crate::clock::ManualClock;
use crate::service::{Checked, Service};
use crate::{Ctx, Engine};
use kinesin_protocol::ApiError;
use serde_json::{json, Value};
use std::sync::Arc;

const ACCOUNT: &str = "000000000000";

fn engine() -> Engine {
    Engine::memory(Arc::new(ManualClock::new(1_772_694_489_500)))
}

fn call(eng: &mut Engine, name: &str, mut doc: Value) -> Result<Value, ApiError> {
    IamApi::validate(name, &mut doc)?;
    Op::parse(name).expect("an IAM operation").visit(Checked { eng, caller: &Ctx::new(ACCOUNT, "us-east-1"), doc })
}

fn code(r: Result<Value, ApiError>) -> (String, u16) {
    let e = r.unwrap_err();
    (e.code, e.status)
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    let mut eng = engine();
    let eng = &mut eng;
    let role = json!({"RoleName": "r", "AssumeRolePolicyDocument": "{\"a\": 1}", "Path": "/svc/",
                      "Tags": [{"Key": "k", "Value": "v"}]});
    let created = call(eng, "CreateRole", role).unwrap();
    assert_eq!(created["Role"]["Arn"], "arn:aws:iam::000000000000:role/svc/r");
    assert_eq!(created["Role"]["AssumeRolePolicyDocument"], "%7B%22a%22%3A%201%7D");
    assert_eq!(created["Role"]["CreateDate"], 1_772_694_489.0);
    assert_eq!(created["Role"]["RoleLastUsed"], json!({}));
    let arn = call(eng, "CreatePolicy", json!({"PolicyName": "p", "PolicyDocument": "{}", "Description": "d"}))
        .unwrap()["Policy"]["Arn"]
        .clone();
    let r = json!({"RoleName": "r"});
    let p = json!({"PolicyArn": arn});
    let calls = [
        ("GetRole", r.clone()),
        ("ListRoles", json!({})),
        ("UpdateRole", json!({"RoleName": "r", "MaxSessionDuration": 7200})),
        ("UpdateRoleDescription", json!({"RoleName": "r", "Description": "d"})),
        ("UpdateAssumeRolePolicy", json!({"RoleName": "r", "PolicyDocument": "{}"})),
        ("TagRole", json!({"RoleName": "r", "Tags": [{"Key": "a", "Value": "1"}]})),
        ("UntagRole", json!({"RoleName": "r", "TagKeys": ["a"]})),
        ("ListRoleTags", r.clone()),
        ("ListInstanceProfilesForRole", r.clone()),
        ("PutRolePolicy", json!({"RoleName": "r", "PolicyName": "i", "PolicyDocument": "{}"})),
        ("GetRolePolicy", json!({"RoleName": "r", "PolicyName": "i"})),
        ("ListRolePolicies", r.clone()),
        ("AttachRolePolicy", json!({"RoleName": "r", "PolicyArn": arn})),
        ("ListAttachedRolePolicies", r.clone()),
        ("GetPolicy", p.clone()),
        ("ListPolicies", json!({"OnlyAttached": true})),
        ("ListPolicies", json!({"Scope": "AWS"})),
        ("TagPolicy", json!({"PolicyArn": arn, "Tags": [{"Key": "a", "Value": "1"}]})),
        ("UntagPolicy", json!({"PolicyArn": arn, "TagKeys": ["a"]})),
        ("ListPolicyTags", p.clone()),
        ("ListEntitiesForPolicy", p.clone()),
        ("CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": "{}", "SetAsDefault": true})),
        ("GetPolicyVersion", json!({"PolicyArn": arn, "VersionId": "v2"})),
        ("ListPolicyVersions", p.clone()),
        ("SetDefaultPolicyVersion", json!({"PolicyArn": arn, "VersionId": "v1"})),
        ("DeletePolicyVersion", json!({"PolicyArn": arn, "VersionId": "v2"})),
        ("DetachRolePolicy", json!({"RoleName": "r", "PolicyArn": arn})),
        ("DeleteRolePolicy", json!({"RoleName": "r", "PolicyName": "i"})),
        ("DeletePolicy", p.clone()),
        ("DeleteRole", r.clone()),
    ];
    for (name, doc) in calls {
        call(eng, name, doc).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    assert_eq!(Op::ALL.len(), IamApi::model().operations().count());
}

#[test]
fn attachments_versions_and_conflicts() {
    let mut eng = engine();
    let eng = &mut eng;
    call(eng, "CreateRole", json!({"RoleName": "r", "AssumeRolePolicyDocument": "{}"})).unwrap();
    assert_eq!(
        code(call(eng, "CreateRole", json!({"RoleName": "r", "AssumeRolePolicyDocument": "{}"}))),
        ("EntityAlreadyExists".into(), 409)
    );
    let arn = "arn:aws:iam::000000000000:policy/svc/p";
    call(eng, "CreatePolicy", json!({"PolicyName": "p", "Path": "/svc/", "PolicyDocument": "{}"})).unwrap();
    let attach = |arn: &str| json!({"RoleName": "r", "PolicyArn": arn});
    call(eng, "AttachRolePolicy", attach(arn)).unwrap();
    call(eng, "AttachRolePolicy", attach("arn:aws:iam::aws:policy/ReadOnlyAccess")).unwrap();
    let none = "arn:aws:iam::000000000000:policy/none";
    assert_eq!(code(call(eng, "AttachRolePolicy", attach(none))), ("NoSuchEntity".into(), 404));
    assert_eq!(code(call(eng, "DeletePolicy", json!({"PolicyArn": arn}))), ("DeleteConflict".into(), 409));
    assert_eq!(code(call(eng, "DeleteRole", json!({"RoleName": "r"}))), ("DeleteConflict".into(), 409));
    for n in 2..=5 {
        let doc = json!({"PolicyArn": arn, "PolicyDocument": "{}", "SetAsDefault": n == 5});
        assert_eq!(call(eng, "CreatePolicyVersion", doc).unwrap()["PolicyVersion"]["VersionId"], format!("v{n}"));
    }
    let more = json!({"PolicyArn": arn, "PolicyDocument": "{}"});
    assert_eq!(code(call(eng, "CreatePolicyVersion", more)), ("LimitExceeded".into(), 409));
    let version = |v: &str| json!({"PolicyArn": arn, "VersionId": v});
    assert_eq!(code(call(eng, "DeletePolicyVersion", version("v5"))), ("DeleteConflict".into(), 409));
    call(eng, "DeletePolicyVersion", version("v1")).unwrap();
    assert_eq!(call(eng, "GetPolicy", json!({"PolicyArn": arn})).unwrap()["Policy"]["DefaultVersionId"], "v5");
    call(eng, "DetachRolePolicy", attach(arn)).unwrap();
    call(eng, "DetachRolePolicy", attach("arn:aws:iam::aws:policy/ReadOnlyAccess")).unwrap();
    call(eng, "DeletePolicy", json!({"PolicyArn": arn})).unwrap();
    call(eng, "DeleteRole", json!({"RoleName": "r"})).unwrap();
    assert_eq!(code(call(eng, "GetRole", json!({"RoleName": "r"}))), ("NoSuchEntity".into(), 404));
}

#[test]
fn listings_page_by_name_with_marker_and_max_items() {
    let mut eng = engine();
    let eng = &mut eng;
    for n in ["c", "a", "b"] {
        call(eng, "CreateRole", json!({"RoleName": n, "AssumeRolePolicyDocument": "{}"})).unwrap();
    }
    let names =
        |out: &Value| out["Roles"].as_array().unwrap().iter().map(|r| r["RoleName"].clone()).collect::<Vec<_>>();
    let first = call(eng, "ListRoles", json!({"MaxItems": 2})).unwrap();
    assert_eq!(
        (names(&first), &first["IsTruncated"], &first["Marker"]),
        (vec![json!("a"), json!("b")], &json!(true), &json!("b"))
    );
    let rest = call(eng, "ListRoles", json!({"MaxItems": 2, "Marker": "b"})).unwrap();
    assert_eq!((names(&rest), &rest["IsTruncated"], rest.get("Marker")), (vec![json!("c")], &json!(false), None));
    let e = call(eng, "ListRoles", json!({"MaxItems": "many"})).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'many' at 'maxItems' failed to satisfy constraint: Member must have \
             value between 1 and 1000"
        )
    );
}

#[test]
fn validation_is_worded_as_iam_words_it() {
    let mut eng = engine();
    let e = call(&mut eng, "CreateRole", json!({"RoleName": "r"})).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str(), e.status),
        (
            "ValidationError",
            "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: \
             Member must not be null",
            400
        )
    );
    // A tag list ends at the first tag without a key.
    let doc = json!({"RoleName": "r", "AssumeRolePolicyDocument": "{}", "Tags": [{"Value": "v"}]});
    assert!(call(&mut eng, "CreateRole", doc).unwrap()["Role"].get("Tags").is_none());
    let doc = json!({"RoleName": "s", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": 100});
    assert_eq!(code(call(&mut eng, "CreateRole", doc)), ("ValidationError".into(), 400));
    // VersionId is asked for once the policy is found.
    let none = json!({"PolicyArn": "arn:aws:iam::000000000000:policy/none"});
    assert_eq!(code(call(&mut eng, "GetPolicyVersion", none)), ("NoSuchEntity".into(), 404));
}
