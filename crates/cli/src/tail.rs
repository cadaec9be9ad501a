//! `kinesin tail STREAM` and `kinesin capture STREAM FILE`: records as they arrive, in
//! raw, JSON-lines or hex form, or captured to a file for `replay`.

use crate::error::CliError;
use crate::reader::Rec;
use aws_smithy_types::base64;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// How `tail` prints records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The data as is, one record a line.
    Raw,
    /// One JSON object a line: shard, sequence number, key, arrival, data (base64) and
    /// text (when the data is UTF-8).
    Json,
    /// Sequence number, partition key and the data in hex, one record a line.
    Hex,
}

/// One record in a capture file (a JSON line), also the `--format json` shape of `tail`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// The shard it was read from.
    pub shard_id: String,
    /// Its sequence number there.
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// ApproximateArrivalTimestamp, epoch seconds.
    pub arrival: f64,
    /// The data, base64.
    pub data: String,
    /// The data as text, when it is UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Line {
    /// The line of a record (`with_text`: add the text form).
    pub fn of(r: &Rec, with_text: bool) -> Line {
        Line {
            shard_id: r.shard_id.clone(),
            sequence_number: r.seq.clone(),
            partition_key: r.key.clone(),
            arrival: r.arrival,
            data: base64::encode(&r.data),
            text: if with_text { std::str::from_utf8(&r.data).ok().map(str::to_string) } else { None },
        }
    }
}

/// Writes one record in `format`.
pub fn print(out: &mut impl Write, format: Format, r: &Rec) -> Result<(), CliError> {
    match format {
        Format::Raw => {
            out.write_all(&r.data)?;
            out.write_all(b"\n")?;
        }
        Format::Json => {
            serde_json::to_writer(&mut *out, &Line::of(r, true)).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
        }
        Format::Hex => writeln!(out, "{} {} {}", r.seq, r.key, hex::encode(&r.data))?,
    }
    Ok(())
}

/// Appends one record to a capture file.
pub fn capture(out: &mut impl Write, r: &Rec) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, &Line::of(r, false)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let r = Rec {
            shard_id: "shardId-000000000000".into(),
            seq: "1".into(),
            key: "k".into(),
            arrival: 1.5,
            data: b"hi".to_vec(),
        };
        let mut out = Vec::new();
        print(&mut out, Format::Hex, &r).unwrap();
        print(&mut out, Format::Raw, &r).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1 k 6869\nhi\n");
        let mut out = Vec::new();
        capture(&mut out, &r).unwrap();
        let back: Line = serde_json::from_slice(&out).unwrap();
        assert_eq!((back.data.as_str(), back.text), ("aGk=", None));
    }
}
