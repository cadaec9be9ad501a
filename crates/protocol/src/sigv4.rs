//! What kinesin reads from a SigV4 `Authorization` header: access key id and region.

/// The caller's identity as far as an emulator needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credential<'a> {
    /// The access key id (`AKIA...` or a 12-digit account id in tests).
    pub access_key: Option<&'a str>,
    /// The region of the credential scope.
    pub region: Option<&'a str>,
    /// The service of the credential scope.
    pub service: Option<&'a str>,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesis/aws4_request, ...`.
/// Signatures are not verified.
pub fn parse_authorization(header: &str) -> Credential<'_> {
    let Some(rest) = header.strip_prefix("AWS4-HMAC-SHA256") else {
        return Credential::default();
    };
    let Some(cred) = rest.split(',').find_map(|p| p.trim().strip_prefix("Credential=")) else {
        return Credential::default();
    };
    parse_credential_scope(cred)
}

/// Parses `AKID/date/region/service/aws4_request` (also the `X-Amz-Credential` query value).
pub fn parse_credential_scope(cred: &str) -> Credential<'_> {
    let mut parts = cred.split('/');
    let access_key = parts.next().filter(|s| !s.is_empty());
    let _date = parts.next();
    let region = parts.next().filter(|s| !s.is_empty());
    let service = parts.next().filter(|s| !s.is_empty());
    Credential { access_key, region, service }
}

/// The account an access key stands for: a 12-digit key is itself the account id.
pub fn account_from_access_key(key: &str) -> Option<&str> {
    (key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit())).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc";
        let c = parse_authorization(h);
        assert_eq!(c.access_key, Some("123456789012"));
        assert_eq!(c.region, Some("eu-west-1"));
        assert_eq!(c.service, Some("kinesis"));
        assert_eq!(account_from_access_key("123456789012"), Some("123456789012"));
        assert_eq!(account_from_access_key("AKIAEXAMPLE"), None);
        assert_eq!(parse_authorization("Bearer x"), Credential::default());
        assert_eq!(parse_authorization("AWS4-HMAC-SHA256 Credential="), Credential::default());
    }
}
