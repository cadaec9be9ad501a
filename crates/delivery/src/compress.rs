//! CompressionFormat of S3 objects: `compress(format, data)` and the default extension.
//! UNCOMPRESSED and GZIP here; ZIP, Snappy and HADOOP_SNAPPY join them in this file.

use flate2::write::GzEncoder;
use std::io::Write;

/// Compresses `data` in a Firehose `CompressionFormat`.
pub fn compress(format: &str, data: &[u8]) -> std::io::Result<Vec<u8>> {
    match format {
        "" | "UNCOMPRESSED" => Ok(data.to_vec()),
        "GZIP" => {
            let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), flate2::Compression::default());
            enc.write_all(data)?;
            enc.finish()
        }
        other => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("CompressionFormat {other} is not supported"),
        )),
    }
}

/// The default file extension of a compression format (`FileExtension` overrides it).
pub fn extension(format: &str) -> &'static str {
    kinesin_state::firehose::keys::default_extension(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn gzip_round_trips() {
        let z = compress("GZIP", b"hello hello hello").unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&z[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello hello hello");
        assert_eq!(compress("UNCOMPRESSED", b"x").unwrap(), b"x");
        assert!(compress("LZ4", b"x").is_err());
        assert_eq!(extension("GZIP"), ".gz");
    }
}
