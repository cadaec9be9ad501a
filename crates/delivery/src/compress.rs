//! Compression of S3 objects: `CompressionFormat` UNCOMPRESSED, GZIP, ZIP, Snappy (the
//! framing format) and HADOOP_SNAPPY (Hadoop's block format), and their file extensions.

use std::io::{self, Write};

/// Name of the single entry of a ZIP object. AWS's documentation does not say how Firehose
/// names it (not found); kinesin uses this fixed name.
pub const ZIP_ENTRY: &str = "data";

/// Uncompressed bytes per HADOOP_SNAPPY block: Hadoop's default
/// `io.compression.codec.snappy.buffersize` (256 KiB).
pub const HADOOP_BLOCK: usize = 256 * 1024;

/// Compresses an object body with a `CompressionFormat`; unknown formats are an
/// `InvalidInput` error (the API rejects them before delivery).
pub fn compress(format: &str, data: &[u8]) -> io::Result<Vec<u8>> {
    match format {
        "" | "UNCOMPRESSED" => Ok(data.to_vec()),
        "GZIP" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(data)?;
            enc.finish()
        }
        "ZIP" => zip(data),
        "Snappy" => {
            let mut enc = snap::write::FrameEncoder::new(Vec::new());
            enc.write_all(data)?;
            enc.into_inner().map_err(|e| io::Error::other(e.to_string()))
        }
        "HADOOP_SNAPPY" => hadoop_snappy(data),
        other => Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown CompressionFormat {other}"))),
    }
}

/// The default file extension Firehose appends for a `CompressionFormat` ("" when none).
pub fn extension(format: &str) -> &'static str {
    kinesin_state::firehose::keys::default_extension(format)
}

/// A ZIP archive with one deflated entry named [`ZIP_ENTRY`].
fn zip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(data.len() as u64 >= u64::from(u32::MAX));
    w.start_file(ZIP_ENTRY, opts).map_err(io::Error::other)?;
    w.write_all(data)?;
    Ok(w.finish().map_err(io::Error::other)?.into_inner())
}

/// Hadoop's `BlockCompressorStream` with the Snappy codec: per block of at most
/// [`HADOOP_BLOCK`] input bytes, the big-endian u32 uncompressed length, then one chunk: the
/// big-endian u32 compressed length and a raw Snappy block.
fn hadoop_snappy(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = snap::raw::Encoder::new();
    let mut out = Vec::with_capacity(data.len() / 2 + 16);
    for block in data.chunks(HADOOP_BLOCK) {
        let compressed = enc.compress_vec(block).map_err(io::Error::other)?;
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        out.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
        out.extend_from_slice(&compressed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(n: usize) -> Vec<u8> {
        // Compressible but not trivial: JSON lines with a counter and some noise.
        let mut v = Vec::with_capacity(n);
        let mut i = 0u64;
        while v.len() < n {
            v.extend_from_slice(format!("{{\"id\":{i},\"noise\":{}}}\n", fastrand_like(i)).as_bytes());
            i += 1;
        }
        v.truncate(n);
        v
    }

    fn fastrand_like(i: u64) -> u64 {
        i.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) >> 33
    }

    #[test]
    fn uncompressed_and_gzip_round_trip() {
        let data = sample(10_000);
        assert_eq!(compress("UNCOMPRESSED", &data).unwrap(), data);
        let gz = compress("GZIP", &data).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        assert!(compress("LZ4", &data).is_err());
    }

    #[test]
    fn zip_has_one_deflated_entry() {
        let data = sample(50_000);
        let z = compress("ZIP", &data).unwrap();
        assert_eq!(&z[..4], b"PK\x03\x04");
        let mut archive = zip::ZipArchive::new(io::Cursor::new(z)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), ZIP_ENTRY);
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn snappy_is_the_framing_format() {
        let data = sample(200_000);
        let s = compress("Snappy", &data).unwrap();
        // Stream identifier chunk: type 0xff, length 6, "sNaPpY".
        assert_eq!(&s[..10], b"\xff\x06\x00\x00sNaPpY");
        let mut back = Vec::new();
        snap::read::FrameDecoder::new(&s[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn hadoop_snappy_blocks() {
        let data = sample(2 * HADOOP_BLOCK + 1234);
        let h = compress("HADOOP_SNAPPY", &data).unwrap();
        // Decode by hand: [u32 BE raw len][u32 BE compressed len][raw snappy] per block.
        let mut dec = snap::raw::Decoder::new();
        let (mut back, mut rest, mut blocks) = (Vec::new(), &h[..], 0);
        while !rest.is_empty() {
            let raw_len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            let comp_len = u32::from_be_bytes(rest[4..8].try_into().unwrap()) as usize;
            let block = dec.decompress_vec(&rest[8..8 + comp_len]).unwrap();
            assert_eq!(block.len(), raw_len);
            back.extend_from_slice(&block);
            rest = &rest[8 + comp_len..];
            blocks += 1;
        }
        assert_eq!(blocks, 3);
        assert_eq!(back, data);
        assert!(compress("HADOOP_SNAPPY", b"").unwrap().is_empty());
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("GZIP"), ".gz");
        assert_eq!(extension("ZIP"), ".zip");
        assert_eq!(extension("Snappy"), ".snappy");
        assert_eq!(extension("HADOOP_SNAPPY"), ".hsnappy");
        assert_eq!(extension("UNCOMPRESSED"), "");
    }
}
