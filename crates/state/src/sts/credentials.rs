//! The three operations: who the caller is, and the temporary credentials they issue.

use super::{Caller, Identity, StsError};
use crate::db::Engine;
use kinesin_protocol::sts::*;

type R<T> = Result<T, StsError>;

/// Shortest `DurationSeconds` (both operations; the model's `roleDurationSecondsType` and
/// `durationSecondsType`).
pub const MIN_SECS: i64 = 900;
/// Longest AssumeRole session (`roleDurationSecondsType`).
pub const ROLE_MAX_SECS: i64 = 43_200;
/// Longest GetSessionToken session (`durationSecondsType`).
pub const SESSION_TOKEN_MAX_SECS: i64 = 129_600;
/// `DurationSeconds` when not given.
const DEFAULT_SECS: i64 = 3600;

/// GetCallerIdentity: the assumed role of a key AssumeRole issued, else the account root.
pub fn get_caller_identity(eng: &mut Engine, caller: &Caller, _: GetCallerIdentityInput) -> R<GetCallerIdentityOutput> {
    let issued = caller.access_key.as_deref().and_then(|k| eng.sts.get(k)).cloned();
    let account = &caller.ctx.account;
    let who = issued.unwrap_or_else(|| Identity {
        arn: format!("arn:aws:iam::{account}:root"),
        user_id: account.clone(),
        account: account.clone(),
    });
    Ok(GetCallerIdentityOutput { arn: who.arn, user_id: who.user_id, account: who.account })
}

/// AssumeRole: credentials that answer as the role's session (any role may be assumed).
pub fn assume_role(eng: &mut Engine, _: &Caller, input: AssumeRoleInput) -> R<AssumeRoleOutput> {
    let (account, role) = parse_role_arn(&input.role_arn)?;
    let session = input.role_session_name;
    let credentials = issue(eng.now(), input.duration_seconds.unwrap_or(DEFAULT_SECS));
    let role_id = format!("AROA{}", &credentials.access_key_id[4..20]);
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
    let user_id = format!("{role_id}:{session}");
    let who = Identity { arn: arn.clone(), user_id: user_id.clone(), account };
    eng.sts.insert(credentials.access_key_id.clone(), who);
    Ok(AssumeRoleOutput {
        assumed_role_user: AssumedRoleUser { arn, assumed_role_id: user_id },
        credentials,
        packed_policy_size: 0,
    })
}

/// GetSessionToken: credentials of the caller.
pub fn get_session_token(eng: &mut Engine, _: &Caller, input: GetSessionTokenInput) -> R<GetSessionTokenOutput> {
    Ok(GetSessionTokenOutput { credentials: issue(eng.now(), input.duration_seconds.unwrap_or(DEFAULT_SECS)) })
}

/// `arn:aws:iam::<account>:role/<path/>name` -> (account, name).
pub fn parse_role_arn(arn: &str) -> R<(String, String)> {
    let bad = || StsError::invalid(format!("{arn} is invalid"));
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

/// Fresh temporary credentials (`ASIA...` key) expiring `secs` after `now_ms`.
fn issue(now_ms: i64, secs: i64) -> Credentials {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pick = |alphabet: &[u8], n: usize| -> String {
        (0..n).map(|_| alphabet[fastrand::usize(..alphabet.len())] as char).collect()
    };
    Credentials {
        access_key_id: format!("ASIA{}", pick(UPPER, 16)),
        secret_access_key: pick(B64, 40),
        session_token: format!("FQoGZXIvYXdzE{}", pick(B64, 300)),
        expiration: ((now_ms + secs * 1000).div_euclid(1000)) as f64,
    }
}
