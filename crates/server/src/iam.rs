//! IAM over the query protocol (form POSTs signed for `iam`, XML answers): roles, inline role
//! policies, managed policies with versions, attachments and tags (domain in
//! `kinesin_state::iam`). Policy documents are returned URL-encoded, as IAM returns them.

use crate::http::{request_id, Resp};
use crate::wire::{query_error_body, query_xml as respond};
use kinesin_protocol::sqs::query::{parse_form, Form};
use kinesin_protocol::xml::escape_markup as esc;
use kinesin_state::iam::{self, IamError, Policy, Role};
use kinesin_state::{Db, Engine};
use std::fmt::Write;

const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// MaxItems when none is given (AWS's default).
const DEFAULT_MAX_ITEMS: usize = 100;

type Outcome = Result<String, IamError>;

/// Serves one IAM request for `account`.
pub async fn handle(db: &Db, account: &str, body: &[u8]) -> Resp {
    let id = request_id();
    let Ok(form) = parse_form(body) else {
        return error(
            &IamError {
                code: "MalformedQueryString",
                message: "The request body is not a valid form.".into(),
                status: 400,
            },
            &id,
        );
    };
    let action = form.get("Action").cloned().unwrap_or_default();
    let account = account.to_string();
    let act = action.clone();
    let out = db.call(move |eng| dispatch(eng, &account, &act, &form)).await;
    match out {
        Ok(inner) => {
            let result =
                if inner.is_empty() { String::new() } else { format!("<{action}Result>{inner}</{action}Result>") };
            respond(
                200,
                format!(
                    "<{action}Response xmlns=\"{XMLNS}\">{result}<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{action}Response>"
                ),
                &id,
            )
        }
        Err(e) => error(&e, &id),
    }
}

fn dispatch(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    match action {
        "CreateRole"
        | "GetRole"
        | "DeleteRole"
        | "ListRoles"
        | "UpdateRole"
        | "UpdateRoleDescription"
        | "UpdateAssumeRolePolicy"
        | "TagRole"
        | "UntagRole"
        | "ListRoleTags"
        | "ListInstanceProfilesForRole" => roles(eng, account, action, f),
        "PutRolePolicy"
        | "GetRolePolicy"
        | "DeleteRolePolicy"
        | "ListRolePolicies"
        | "AttachRolePolicy"
        | "DetachRolePolicy"
        | "ListAttachedRolePolicies" => role_policies(eng, account, action, f),
        "CreatePolicy"
        | "GetPolicy"
        | "DeletePolicy"
        | "ListPolicies"
        | "TagPolicy"
        | "UntagPolicy"
        | "ListPolicyTags"
        | "ListEntitiesForPolicy" => policies(eng, account, action, f),
        "CreatePolicyVersion"
        | "GetPolicyVersion"
        | "ListPolicyVersions"
        | "DeletePolicyVersion"
        | "SetDefaultPolicyVersion" => versions(eng, account, action, f),
        "" => Err(IamError { code: "MissingAction", message: "Missing Action".into(), status: 400 }),
        other => Err(IamError {
            code: "InternalFailure",
            message: format!("kinesin does not emulate iam:{other}"),
            status: 501,
        }),
    }
}

fn roles(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    if action == "ListRoles" {
        let (items, more) =
            iam::list_roles(eng, account, opt(f, "PathPrefix").unwrap_or("/"), opt(f, "Marker"), max_items(f)?)?;
        let members: String = items.iter().map(|r| format!("<member>{}</member>", role_xml(r, false))).collect();
        return Ok(format!("<Roles>{members}</Roles>{}", paging(more, items.last().map(|r| r.name.as_str()))));
    }
    let name = req(f, "RoleName")?;
    match action {
        "CreateRole" => {
            let input = iam::NewRole {
                name: name.to_string(),
                path: opt(f, "Path").map(str::to_owned),
                assume_role_policy: req(f, "AssumeRolePolicyDocument")?.to_string(),
                description: opt(f, "Description").map(str::to_owned),
                max_session_duration: opt(f, "MaxSessionDuration").and_then(|v| v.parse().ok()),
                tags: tags(f),
            };
            Ok(format!("<Role>{}</Role>", role_xml(&iam::create_role(eng, account, input)?, true)))
        }
        "GetRole" => Ok(format!("<Role>{}</Role>", role_xml(&iam::get_role(eng, account, name)?, true))),
        "DeleteRole" => iam::delete_role(eng, account, name).map(|()| String::new()),
        "UpdateRole" | "UpdateRoleDescription" => {
            let role = iam::update_role(eng, account, name, |r| {
                if let Some(d) = opt(f, "Description") {
                    r.description = Some(d.to_string());
                }
                if let Some(m) = opt(f, "MaxSessionDuration").and_then(|v| v.parse().ok()) {
                    r.max_session_duration = m;
                }
            })?;
            Ok(if action == "UpdateRole" { String::new() } else { format!("<Role>{}</Role>", role_xml(&role, true)) })
        }
        "UpdateAssumeRolePolicy" => {
            let doc = req(f, "PolicyDocument")?.to_string();
            iam::update_role(eng, account, name, |r| r.assume_role_policy = doc).map(|_| String::new())
        }
        "TagRole" | "UntagRole" => {
            let (add, remove) = (tags(f), members(f, "TagKeys"));
            iam::update_role(eng, account, name, |r| iam::merge_tags(&mut r.tags, add, &remove)).map(|_| String::new())
        }
        "ListRoleTags" => {
            Ok(format!("{}<IsTruncated>false</IsTruncated>", tags_xml(&iam::get_role(eng, account, name)?.tags)))
        }
        _ => {
            iam::get_role(eng, account, name)?;
            Ok("<InstanceProfiles/><IsTruncated>false</IsTruncated>".into())
        }
    }
}

fn role_policies(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    let role = req(f, "RoleName")?;
    match action {
        "PutRolePolicy" => {
            let (name, doc) = (req(f, "PolicyName")?.to_string(), req(f, "PolicyDocument")?.to_string());
            iam::update_role(eng, account, role, |r| {
                r.inline.insert(name, doc);
            })
            .map(|_| String::new())
        }
        "GetRolePolicy" => {
            let name = req(f, "PolicyName")?;
            let r = iam::get_role(eng, account, role)?;
            let doc = r.inline.get(name).ok_or_else(|| IamError {
                code: "NoSuchEntity",
                message: format!("The role policy with name {name} cannot be found."),
                status: 404,
            })?;
            Ok(format!(
                "<RoleName>{}</RoleName><PolicyName>{}</PolicyName><PolicyDocument>{}</PolicyDocument>",
                esc(role),
                esc(name),
                url_encode(doc)
            ))
        }
        "DeleteRolePolicy" => {
            iam::delete_role_policy(eng, account, role, req(f, "PolicyName")?).map(|()| String::new())
        }
        "ListRolePolicies" => {
            let r = iam::get_role(eng, account, role)?;
            let names: Vec<&String> = r.inline.keys().collect();
            let (page, more) = page_of(&names, |n| n.as_str(), f)?;
            let members: String = page.iter().map(|n| format!("<member>{}</member>", esc(n))).collect();
            Ok(format!("<PolicyNames>{members}</PolicyNames>{}", paging(more, page.last().map(|n| n.as_str()))))
        }
        "AttachRolePolicy" => iam::attach_role_policy(eng, account, role, req(f, "PolicyArn")?).map(|()| String::new()),
        "DetachRolePolicy" => iam::detach_role_policy(eng, account, role, req(f, "PolicyArn")?).map(|()| String::new()),
        _ => {
            let r = iam::get_role(eng, account, role)?;
            let (page, more) = page_of(&r.attached, |a| a.as_str(), f)?;
            let members: String = page
                .iter()
                .map(|arn| {
                    let name = arn.rsplit('/').next().unwrap_or_default();
                    format!(
                        "<member><PolicyName>{}</PolicyName><PolicyArn>{}</PolicyArn></member>",
                        esc(name),
                        esc(arn)
                    )
                })
                .collect();
            Ok(format!(
                "<AttachedPolicies>{members}</AttachedPolicies>{}",
                paging(more, page.last().map(|a| a.as_str()))
            ))
        }
    }
}

fn policies(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    match action {
        "CreatePolicy" => {
            let p = iam::create_policy(
                eng,
                account,
                req(f, "PolicyName")?,
                opt(f, "Path"),
                req(f, "PolicyDocument")?.to_string(),
                opt(f, "Description").map(str::to_owned),
                tags(f),
            )?;
            Ok(format!("<Policy>{}</Policy>", policy_xml(&p, true)))
        }
        "ListPolicies" => {
            // Scope AWS lists AWS managed policies, which kinesin does not carry.
            if opt(f, "Scope") == Some("AWS") {
                return Ok("<Policies/><IsTruncated>false</IsTruncated>".into());
            }
            let only = opt(f, "OnlyAttached") == Some("true");
            let marker = opt(f, "Marker");
            let (items, more) =
                iam::list_policies(eng, account, opt(f, "PathPrefix").unwrap_or("/"), only, marker, max_items(f)?)?;
            let members: String = items.iter().map(|p| format!("<member>{}</member>", policy_xml(p, false))).collect();
            Ok(format!("<Policies>{members}</Policies>{}", paging(more, items.last().map(|p| p.name.as_str()))))
        }
        _ => policy_by_arn(eng, account, action, f),
    }
}

fn policy_by_arn(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    let arn = req(f, "PolicyArn")?;
    match action {
        "GetPolicy" => Ok(format!("<Policy>{}</Policy>", policy_xml(&iam::get_policy(eng, account, arn)?, true))),
        "DeletePolicy" => iam::delete_policy(eng, account, arn).map(|()| String::new()),
        "TagPolicy" | "UntagPolicy" => {
            let (add, remove) = (tags(f), members(f, "TagKeys"));
            iam::update_policy(eng, account, arn, |p, _| {
                iam::merge_tags(&mut p.tags, add, &remove);
                Ok(())
            })
            .map(|_| String::new())
        }
        "ListPolicyTags" => {
            Ok(format!("{}<IsTruncated>false</IsTruncated>", tags_xml(&iam::get_policy(eng, account, arn)?.tags)))
        }
        _ => {
            let roles = iam::roles_with_policy(eng, account, arn)?;
            let members: String = roles
                .iter()
                .map(|r| format!("<member><RoleName>{}</RoleName><RoleId>{}</RoleId></member>", esc(&r.name), r.id))
                .collect();
            Ok(format!(
                "<PolicyGroups/><PolicyUsers/><PolicyRoles>{members}</PolicyRoles><IsTruncated>false</IsTruncated>"
            ))
        }
    }
}

fn versions(eng: &mut Engine, account: &str, action: &str, f: &Form) -> Outcome {
    let arn = req(f, "PolicyArn")?;
    match action {
        "CreatePolicyVersion" => {
            let default = opt(f, "SetAsDefault") == Some("true");
            let v = iam::create_policy_version(eng, account, arn, req(f, "PolicyDocument")?.to_string(), default)?;
            Ok(format!("<PolicyVersion>{}</PolicyVersion>", version_xml(&v, default, false)))
        }
        "GetPolicyVersion" => {
            let p = iam::get_policy(eng, account, arn)?;
            let id = req(f, "VersionId")?;
            let v = p.versions.iter().find(|v| v.id == id).ok_or_else(|| IamError {
                code: "NoSuchEntity",
                message: format!("Policy {arn} version {id} does not exist."),
                status: 404,
            })?;
            Ok(format!("<PolicyVersion>{}</PolicyVersion>", version_xml(v, v.id == p.default_version, true)))
        }
        "ListPolicyVersions" => {
            let p = iam::get_policy(eng, account, arn)?;
            let members: String = p
                .versions
                .iter()
                .rev()
                .map(|v| format!("<member>{}</member>", version_xml(v, v.id == p.default_version, false)))
                .collect();
            Ok(format!("<Versions>{members}</Versions><IsTruncated>false</IsTruncated>"))
        }
        "DeletePolicyVersion" => {
            iam::delete_policy_version(eng, account, arn, req(f, "VersionId")?).map(|()| String::new())
        }
        _ => {
            let id = req(f, "VersionId")?.to_string();
            iam::update_policy(eng, account, arn, |p, now| {
                if !p.versions.iter().any(|v| v.id == id) {
                    return Err(IamError {
                        code: "NoSuchEntity",
                        message: format!("Policy {arn} version {id} does not exist."),
                        status: 404,
                    });
                }
                p.default_version = id;
                p.updated_ms = now;
                Ok(())
            })
            .map(|_| String::new())
        }
    }
}

fn role_xml(r: &Role, full: bool) -> String {
    let mut x = format!(
        "<Path>{}</Path><RoleName>{}</RoleName><RoleId>{}</RoleId><Arn>{}</Arn><CreateDate>{}</CreateDate>\
         <AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument><MaxSessionDuration>{}</MaxSessionDuration>",
        esc(&r.path),
        esc(&r.name),
        r.id,
        esc(&r.arn),
        date(r.created_ms),
        url_encode(&r.assume_role_policy),
        r.max_session_duration
    );
    if let Some(d) = &r.description {
        let _ = write!(x, "<Description>{}</Description>", esc(d));
    }
    if full {
        if !r.tags.is_empty() {
            x.push_str(&tags_xml(&r.tags));
        }
        x.push_str("<RoleLastUsed/>");
    }
    x
}

fn policy_xml(p: &Policy, full: bool) -> String {
    let mut x = format!(
        "<PolicyName>{}</PolicyName><PolicyId>{}</PolicyId><Arn>{}</Arn><Path>{}</Path>\
         <DefaultVersionId>{}</DefaultVersionId><AttachmentCount>{}</AttachmentCount>\
         <PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>\
         <CreateDate>{}</CreateDate><UpdateDate>{}</UpdateDate>",
        esc(&p.name),
        p.id,
        esc(&p.arn),
        esc(&p.path),
        p.default_version,
        p.attachments,
        date(p.created_ms),
        date(p.updated_ms)
    );
    if full {
        if let Some(d) = &p.description {
            let _ = write!(x, "<Description>{}</Description>", esc(d));
        }
        if !p.tags.is_empty() {
            x.push_str(&tags_xml(&p.tags));
        }
    }
    x
}

fn version_xml(v: &iam::PolicyVersion, default: bool, with_document: bool) -> String {
    let doc = if with_document { format!("<Document>{}</Document>", url_encode(&v.document)) } else { String::new() };
    format!(
        "{doc}<VersionId>{}</VersionId><IsDefaultVersion>{default}</IsDefaultVersion><CreateDate>{}</CreateDate>",
        v.id,
        date(v.created_ms)
    )
}

fn tags_xml(tags: &[(String, String)]) -> String {
    let members: String =
        tags.iter().map(|(k, v)| format!("<member><Key>{}</Key><Value>{}</Value></member>", esc(k), esc(v))).collect();
    format!("<Tags>{members}</Tags>")
}

fn paging(more: bool, last: Option<&str>) -> String {
    match (more, last) {
        (true, Some(m)) => format!("<IsTruncated>true</IsTruncated><Marker>{}</Marker>", esc(m)),
        _ => "<IsTruncated>false</IsTruncated>".into(),
    }
}

/// A page of `items` after `Marker`, at most `MaxItems`.
fn page_of<'a, T>(items: &'a [T], key: impl Fn(&T) -> &str, f: &Form) -> Result<(Vec<&'a T>, bool), IamError> {
    let max = max_items(f)?;
    let after: Vec<&T> = match opt(f, "Marker") {
        Some(m) => items.iter().skip_while(|i| key(i) != m).skip(1).collect(),
        None => items.iter().collect(),
    };
    let more = after.len() > max;
    Ok((after.into_iter().take(max).collect(), more))
}

fn max_items(f: &Form) -> Result<usize, IamError> {
    match opt(f, "MaxItems") {
        None => Ok(DEFAULT_MAX_ITEMS),
        Some(v) => v.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| IamError {
            code: "ValidationError",
            message: format!("1 validation error detected: Value '{v}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"),
            status: 400,
        }),
    }
}

fn opt<'a>(f: &'a Form, key: &str) -> Option<&'a str> {
    f.get(key).map(String::as_str)
}

fn req<'a>(f: &'a Form, key: &str) -> Result<&'a str, IamError> {
    opt(f, key).ok_or_else(|| IamError {
        code: "ValidationError",
        message: format!(
            "1 validation error detected: Value null at '{}{}' failed to satisfy constraint: Member must not be null",
            key[..1].to_ascii_lowercase(),
            &key[1..]
        ),
        status: 400,
    })
}

/// `Tags.member.N.Key` / `.Value` pairs, in N order.
fn tags(f: &Form) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in 1.. {
        let Some(k) = f.get(&format!("Tags.member.{n}.Key")) else { break };
        out.push((k.clone(), f.get(&format!("Tags.member.{n}.Value")).cloned().unwrap_or_default()));
    }
    out
}

/// `<name>.member.N` values, in N order.
fn members(f: &Form, name: &str) -> Vec<String> {
    (1..).map_while(|n| f.get(&format!("{name}.member.{n}")).cloned()).collect()
}

fn date(ms: i64) -> String {
    let t = kinesin_state::firehose::keys::civil(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

/// Percent-encodes all but RFC 3986's unreserved characters (IAM's policy document encoding;
/// clients decode it with a URL query unescape, so spaces must not become `+`).
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn error(e: &IamError, id: &str) -> Resp {
    respond(e.status, query_error_body(XMLNS, e.code, &esc(&e.message), id), id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded_without_plus() {
        assert_eq!(url_encode("{\"a\": \"b+c\"}"), "%7B%22a%22%3A%20%22b%2Bc%22%7D");
    }
}
