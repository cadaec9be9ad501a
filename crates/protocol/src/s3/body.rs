//! The documents S3 requests carry: DeleteObjects (`<Delete>`), CompleteMultipartUpload,
//! PutBucketVersioning's `Status`, and the bucket settings kinesin stores as given (XML, or
//! JSON for a policy). Element text is read by name, entities undone; S3's schemas are not
//! checked beyond what is read.

use super::Error;
use crate::xml::unescape;

/// Most objects one DeleteObjects request may name.
pub const MAX_DELETE: usize = 1000;

/// A DeleteObjects request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// The objects: key and version id (the current version when absent).
    pub objects: Vec<(String, Option<String>)>,
    /// `<Quiet>true</Quiet>`: only errors are answered.
    pub quiet: bool,
}

/// The text of the first `<name>..</name>` in `block`, trimmed when `trim`, entities undone.
fn field(block: &str, name: &str, trim: bool) -> Option<String> {
    let open = format!("<{name}>");
    let start = block.find(&open)? + open.len();
    let end = block[start..].find(&format!("</{name}>"))? + start;
    let text = &block[start..end];
    Some(unescape(if trim { text.trim() } else { text }))
}

/// The `<tag>..</tag>` blocks of `text`, in order; `MalformedXML` for one never closed.
fn blocks<'a>(text: &'a str, tag: &str) -> Result<Vec<&'a str>, Error> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let end = after.find(&close).ok_or(Error::MalformedXml)?;
        found.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    Ok(found)
}

/// A DeleteObjects body: 1 to [`MAX_DELETE`] `<Object><Key>..</Key>[<VersionId>..</VersionId>]</Object>`s.
pub fn delete(body: &[u8]) -> Result<Delete, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::MalformedXml)?;
    if !text.contains("<Delete") {
        return Err(Error::MalformedXml);
    }
    let quiet = text.contains("<Quiet>true</Quiet>");
    let objects = blocks(text, "Object")?
        .into_iter()
        .map(|b| Ok((field(b, "Key", false).ok_or(Error::MalformedXml)?, field(b, "VersionId", false))))
        .collect::<Result<Vec<_>, Error>>()?;
    if objects.is_empty() || objects.len() > MAX_DELETE {
        return Err(Error::MalformedXml);
    }
    Ok(Delete { objects, quiet })
}

/// The parts (number, ETag) a CompleteMultipartUpload body lists, in its order.
pub fn complete(body: &[u8]) -> Result<Vec<(i64, String)>, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::MalformedXml)?;
    if !text.contains("<CompleteMultipartUpload") {
        return Err(Error::MalformedXml);
    }
    blocks(text, "Part")?
        .into_iter()
        .map(|b| {
            let number = field(b, "PartNumber", true).and_then(|n| n.parse::<i64>().ok());
            Ok((number.ok_or(Error::MalformedXml)?, field(b, "ETag", true).ok_or(Error::MalformedXml)?))
        })
        .collect()
}

/// The `Status` of a versioning configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersioningStatus {
    /// `Enabled`.
    Enabled,
    /// `Suspended`.
    Suspended,
}

/// The `Status` of a PutBucketVersioning document: `Enabled`, `Suspended`, or none (no
/// change); any other value is `MalformedXML`, as S3 answers it.
pub fn versioning_status(doc: &[u8]) -> Result<Option<VersioningStatus>, Error> {
    let text = std::str::from_utf8(doc).map_err(|_| Error::MalformedXml)?;
    let Some(start) = text.find("<Status>") else { return Ok(None) };
    let rest = &text[start + "<Status>".len()..];
    let end = rest.find("</Status>").ok_or(Error::MalformedXml)?;
    match rest[..end].trim() {
        "Enabled" => Ok(Some(VersioningStatus::Enabled)),
        "Suspended" => Ok(Some(VersioningStatus::Suspended)),
        _ => Err(Error::MalformedXml),
    }
}

/// A bucket setting's XML document as stored: trimmed, its XML declaration dropped (a GET
/// adds its own); `MalformedXML` unless it is UTF-8 text from `<` to `>`.
pub fn setting_xml(data: Vec<u8>) -> Result<Vec<u8>, Error> {
    let text = String::from_utf8(data).map_err(|_| Error::MalformedXml)?;
    let text = text.trim();
    let body = if text.starts_with("<?xml") { text.split_once("?>").map_or("", |(_, b)| b.trim()) } else { text };
    if !body.starts_with('<') || !well_formed(body) {
        return Err(Error::MalformedXml);
    }
    Ok(body.as_bytes().to_vec())
}

/// Whether `text` is one well-formed XML element: every token valid, every element closed by
/// its own name, nothing but white space, comments and processing instructions around it.
fn well_formed(text: &str) -> bool {
    let mut open: Vec<(&str, &str)> = Vec::new();
    let mut roots = 0;
    for token in xmlparser::Tokenizer::from(text) {
        match token {
            Err(_) => return false,
            Ok(xmlparser::Token::ElementStart { prefix, local, .. }) => {
                roots += usize::from(open.is_empty());
                open.push((prefix.as_str(), local.as_str()));
            }
            Ok(xmlparser::Token::ElementEnd { end, .. }) => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Empty => _ = open.pop(),
                xmlparser::ElementEnd::Close(prefix, local) => {
                    if open.pop() != Some((prefix.as_str(), local.as_str())) {
                        return false;
                    }
                }
            },
            Ok(_) => {}
        }
    }
    open.is_empty() && roots == 1
}

/// A bucket policy as stored: trimmed; `MalformedPolicy` unless it is a JSON object.
pub fn policy(data: Vec<u8>) -> Result<Vec<u8>, Error> {
    let text = String::from_utf8(data).map_err(|_| Error::MalformedPolicy)?;
    let text = text.trim();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(text.as_bytes().to_vec()),
        _ => Err(Error::MalformedPolicy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_bodies() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&quot;aa&quot;</ETag><PartNumber>1</PartNumber></Part><Part><ChecksumCRC32>x</ChecksumCRC32><ETag>"bb"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>"#;
        assert_eq!(complete(body).unwrap(), vec![(1, "\"aa\"".to_string()), (2, "\"bb\"".to_string())]);
        assert!(complete(b"<Other/>").is_err());
        assert!(complete(b"<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>").is_err());
        assert!(complete(b"<CompleteMultipartUpload><Part><ETag>x</ETag>").is_err());
        assert_eq!(complete(b"<CompleteMultipartUpload></CompleteMultipartUpload>").unwrap(), vec![]);
    }

    #[test]
    fn versioning_and_delete_bodies() {
        let doc = |s: &str| format!("<VersioningConfiguration><Status>{s}</Status></VersioningConfiguration>");
        assert_eq!(versioning_status(doc("Enabled").as_bytes()).unwrap(), Some(VersioningStatus::Enabled));
        assert_eq!(versioning_status(doc("Suspended").as_bytes()).unwrap(), Some(VersioningStatus::Suspended));
        assert_eq!(versioning_status(b"<VersioningConfiguration/>").unwrap(), None);
        assert_eq!(versioning_status(doc("On").as_bytes()).unwrap_err().code(), "MalformedXML");
        let body = b"<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>";
        let d = delete(body).unwrap();
        assert!(d.quiet);
        assert_eq!(d.objects, vec![("a&b".to_string(), None), ("c".to_string(), Some("null".to_string()))]);
        assert_eq!(delete(b"<Delete></Delete>").unwrap_err().code(), "MalformedXML");
        assert_eq!(
            delete(b"<Delete><Object><VersionId>x</VersionId></Object></Delete>").unwrap_err().code(),
            "MalformedXML"
        );
        let many = format!("<Delete>{}</Delete>", "<Object><Key>k</Key></Object>".repeat(MAX_DELETE + 1));
        assert_eq!(delete(many.as_bytes()).unwrap_err(), Error::MalformedXml);
    }

    #[test]
    fn setting_documents() {
        assert_eq!(setting_xml(b" <?xml version=\"1.0\"?>\n<Tagging/> ".to_vec()).unwrap(), b"<Tagging/>");
        assert_eq!(setting_xml(b"Tagging".to_vec()).unwrap_err(), Error::MalformedXml);
        assert_eq!(setting_xml(b"<?xml version".to_vec()).unwrap_err(), Error::MalformedXml);
        let tags = "<Tagging><TagSet><Tag><Key>a</Key><Value>1 &amp; 2</Value></Tag></TagSet></Tagging>";
        assert_eq!(setting_xml(tags.as_bytes().to_vec()).unwrap(), tags.as_bytes());
        for bad in ["<Tagging><TagSet>", "<Tagging></TagSet>", "<A/><B/>", "<A>x</A>trailing", "<A b='1>x</A>"] {
            assert_eq!(setting_xml(bad.as_bytes().to_vec()).unwrap_err(), Error::MalformedXml, "{bad}");
        }
        assert_eq!(policy(b" {\"Version\":\"2012-10-17\"} ".to_vec()).unwrap(), b"{\"Version\":\"2012-10-17\"}");
        assert_eq!(policy(b"[1]".to_vec()).unwrap_err(), Error::MalformedPolicy);
    }
}
