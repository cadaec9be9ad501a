//! The caller's namespace, from the SigV4 `Authorization` header.

use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;
use kinesin_protocol::sigv4;
use kinesin_state::Ctx;

/// Account and region of a request: a 12-digit access key id is the account; the
/// credential scope gives the region; otherwise the defaults.
pub fn request_ctx(headers: &HeaderMap, default_account: &str, default_region: &str) -> Ctx {
    let cred =
        headers.get(AUTHORIZATION).and_then(|h| h.to_str().ok()).map(sigv4::parse_authorization).unwrap_or_default();
    let account = cred.access_key.and_then(sigv4::account_from_access_key).unwrap_or(default_account);
    Ctx::new(account, cred.region.unwrap_or(default_region))
}
