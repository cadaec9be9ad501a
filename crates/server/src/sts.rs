//! AWS STS (query protocol, XML answers): GetCallerIdentity, AssumeRole and GetSessionToken,
//! so tools that ask who they are (terraform's AWS provider without
//! `skip_requesting_account_id`, `aws sts get-caller-identity`) work. Nothing is enforced:
//! any role can be assumed, and the credentials handed out are accepted like any others.
//!
//! The caller is the account of a 12-digit access key id (else kinesin's account) as
//! `arn:aws:iam::<account>:root`; keys issued by AssumeRole answer as their assumed role for
//! the life of the process (they are not stored).

use crate::http::{request_id, Resp};
use crate::wire::{query_error_body, query_xml as respond};
use kinesin_protocol::sqs::query::Form;
use kinesin_state::Ctx;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Issued sessions remembered at most (oldest forgotten first is not needed: a full map
/// stops remembering, and later keys answer as the account root).
const MAX_SESSIONS: usize = 10_000;

/// What an issued access key answers to GetCallerIdentity.
#[derive(Clone)]
struct Identity {
    arn: String,
    user_id: String,
    account: String,
}

/// The STS service.
#[derive(Clone, Default)]
pub struct Sts {
    sessions: Arc<Mutex<HashMap<String, Identity>>>,
}

struct StsError {
    code: &'static str,
    message: String,
}

fn invalid(message: impl Into<String>) -> StsError {
    StsError { code: "ValidationError", message: message.into() }
}

impl Sts {
    /// Serves one STS form request; `access_key` is the signer's key id, `now_ms` the clock.
    pub fn handle(&self, ctx: &Ctx, access_key: Option<&str>, body: &[u8], now_ms: i64) -> Resp {
        let id = request_id();
        let Ok(form) = kinesin_protocol::sqs::query::parse_form(body) else {
            return respond(400, error_xml("MalformedQueryString", "The request body is not a valid form.", &id), &id);
        };
        let action = form.get("Action").map(String::as_str).unwrap_or("");
        let result = match action {
            "GetCallerIdentity" => Ok(self.caller_identity(ctx, access_key)),
            "AssumeRole" => self.assume_role(&form, now_ms),
            "GetSessionToken" => get_session_token(&form, now_ms),
            "" => Err(StsError { code: "MissingAction", message: "Missing Action".into() }),
            other => Err(StsError {
                code: "InvalidAction",
                message: format!("Could not find operation {other} for version 2011-06-15"),
            }),
        };
        match result {
            Ok(inner) => respond(
                200,
                format!(
                    "<{action}Response xmlns=\"{XMLNS}\"><{action}Result>{inner}</{action}Result>\
                     <ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{action}Response>"
                ),
                &id,
            ),
            Err(e) => respond(400, error_xml(e.code, &e.message, &id), &id),
        }
    }

    fn caller_identity(&self, ctx: &Ctx, access_key: Option<&str>) -> String {
        let issued = access_key.and_then(|k| self.sessions.lock().ok()?.get(k).cloned());
        let who = issued.unwrap_or_else(|| Identity {
            arn: format!("arn:aws:iam::{}:root", ctx.account),
            user_id: ctx.account.clone(),
            account: ctx.account.clone(),
        });
        format!("<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>", esc(&who.arn), esc(&who.user_id), who.account)
    }

    fn assume_role(&self, form: &Form, now_ms: i64) -> Result<String, StsError> {
        let role_arn = form.get("RoleArn").ok_or_else(|| invalid("RoleArn is required"))?;
        let session = form.get("RoleSessionName").ok_or_else(|| invalid("RoleSessionName is required"))?;
        let name_ok = (2..=64).contains(&session.len())
            && session.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            return Err(invalid(format!(
                "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            )));
        }
        let (account, role) = parse_role_arn(role_arn)?;
        let duration = duration(form, 900, 43_200)?;
        let creds = Credentials::issue("ASIA", now_ms, duration);
        let role_id = format!("AROA{}", &creds.access_key[4..20]);
        let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
        let user_id = format!("{role_id}:{session}");
        if let Ok(mut s) = self.sessions.lock() {
            if s.len() < MAX_SESSIONS {
                s.insert(creds.access_key.clone(), Identity { arn: arn.clone(), user_id: user_id.clone(), account });
            }
        }
        Ok(format!(
            "<AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>{}</AssumedRoleId></AssumedRoleUser>{}<PackedPolicySize>0</PackedPolicySize>",
            esc(&arn),
            esc(&user_id),
            creds.xml()
        ))
    }
}

fn get_session_token(form: &Form, now_ms: i64) -> Result<String, StsError> {
    let duration = duration(form, 900, 129_600)?;
    Ok(Credentials::issue("ASIA", now_ms, duration).xml())
}

/// `DurationSeconds` (default 3600) within AWS's bounds.
fn duration(form: &Form, min: i64, max: i64) -> Result<i64, StsError> {
    let Some(raw) = form.get("DurationSeconds") else { return Ok(3600) };
    let secs: i64 = raw.parse().map_err(|_| invalid(format!("DurationSeconds {raw:?} is not a number")))?;
    if !(min..=max).contains(&secs) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: \
             Member must have value {} {}",
            if secs < min { "greater than or equal to" } else { "less than or equal to" },
            if secs < min { min } else { max }
        )));
    }
    Ok(secs)
}

/// `arn:aws:iam::<account>:role/<path/>name` -> (account, name).
fn parse_role_arn(arn: &str) -> Result<(String, String), StsError> {
    let bad = || invalid(format!("{arn} is invalid"));
    let rest = arn.strip_prefix("arn:").ok_or_else(bad)?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) =
        (parts.next(), parts.next(), parts.next(), parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
    let name = resource.strip_prefix("role/").and_then(|r| r.rsplit('/').next()).filter(|n| !n.is_empty());
    match (service, name) {
        (Some("iam"), Some(name)) if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) => {
            Ok((account.to_string(), name.to_string()))
        }
        _ => Err(bad()),
    }
}

struct Credentials {
    access_key: String,
    secret: String,
    token: String,
    expires_ms: i64,
}

impl Credentials {
    fn issue(prefix: &str, now_ms: i64, secs: i64) -> Self {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let pick = |alphabet: &[u8], n: usize| -> String {
            (0..n).map(|_| alphabet[fastrand::usize(..alphabet.len())] as char).collect()
        };
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        Self {
            access_key: format!("{prefix}{}", pick(UPPER, 16)),
            secret: pick(B64, 40),
            token: format!("FQoGZXIvYXdzE{}", pick(B64, 300)),
            expires_ms: now_ms + secs * 1000,
        }
    }

    fn xml(&self) -> String {
        let t = kinesin_state::firehose::keys::civil(self.expires_ms);
        let expires =
            format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second);
        format!(
            "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
             <SessionToken>{}</SessionToken><Expiration>{expires}</Expiration></Credentials>",
            self.access_key,
            esc(&self.secret),
            esc(&self.token)
        )
    }
}

fn error_xml(code: &str, message: &str, id: &str) -> String {
    query_error_body(XMLNS, code, &esc(message), id)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_parse() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/svc/app").ok(),
            Some(("123456789012".into(), "app".into()))
        );
        assert!(parse_role_arn("arn:aws:iam::123:role/app").is_err());
        assert!(parse_role_arn("arn:aws:s3:::bucket").is_err());
    }
}
