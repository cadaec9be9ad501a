//! S3's requests as typed structs, named and spelled as the botocore model names their shapes
//! and members (the members kinesin reads), built by the server's routes from the URI, query,
//! headers and body once S3's own checks of those parts passed (`listing`, `query`, `range`,
//! `copy`, `body`); what is checked against the store (copy sources, ranges against sizes,
//! continuation tokens) is checked by the operations.

use serde::Deserialize;

/// A request that names a bucket only: CreateBucket, HeadBucket, DeleteBucket,
/// GetBucketLocation, and the GET and DELETE of a bucket setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketRequest {
    /// Bucket.
    pub bucket: String,
}

/// The PUT of a bucket setting (PutBucketTagging, PutBucketCors, ...): the bucket and the
/// setting's document as sent, which S3 keeps and answers verbatim (the model's payload member,
/// `Tagging`, `CORSConfiguration`, ..., as its XML).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutBucketSettingRequest {
    /// Bucket.
    pub bucket: String,
    /// The document (empty: a canned ACL without one).
    pub document: Vec<u8>,
}

/// PutObject.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutObjectRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The object's bytes (`aws-chunked` decoded, `Content-MD5` checked).
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

/// GetObject and HeadObject.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetObjectRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `versionId`.
    pub version_id: Option<String>,
    /// `Range` (ignored with a part number).
    pub range: Option<String>,
    /// `partNumber`, 1 to 10,000.
    pub part_number: Option<i64>,
}

/// DeleteObject.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteObjectRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `versionId`.
    pub version_id: Option<String>,
}

/// An object named by DeleteObjects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectIdentifier {
    /// Key.
    pub key: String,
    /// Version id.
    pub version_id: Option<String>,
}

/// DeleteObjects' document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delete {
    /// The objects, in the request's order.
    pub objects: Vec<ObjectIdentifier>,
    /// Quiet mode: only errors are answered.
    pub quiet: bool,
}

/// DeleteObjects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteObjectsRequest {
    /// Bucket.
    pub bucket: String,
    /// What to delete.
    pub delete: Delete,
}

/// ListObjects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectsRequest {
    /// Bucket.
    pub bucket: String,
    /// `delimiter` (absent when empty).
    pub delimiter: Option<String>,
    /// `url` for URL-encoded names.
    pub encoding_type: Option<String>,
    /// `marker`.
    pub marker: Option<String>,
    /// `max-keys`, at most 1,000 served.
    pub max_keys: i64,
    /// `prefix`.
    pub prefix: Option<String>,
}

/// ListObjectsV2.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectsV2Request {
    /// Bucket.
    pub bucket: String,
    /// `continuation-token`.
    pub continuation_token: Option<String>,
    /// `delimiter` (absent when empty).
    pub delimiter: Option<String>,
    /// `url` for URL-encoded names.
    pub encoding_type: Option<String>,
    /// `max-keys`, at most 1,000 served.
    pub max_keys: i64,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `start-after`.
    pub start_after: Option<String>,
}

/// ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectVersionsRequest {
    /// Bucket.
    pub bucket: String,
    /// `delimiter` (absent when empty).
    pub delimiter: Option<String>,
    /// `url` for URL-encoded names.
    pub encoding_type: Option<String>,
    /// `key-marker`.
    pub key_marker: Option<String>,
    /// `max-keys`, at most 1,000 served.
    pub max_keys: i64,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `version-id-marker`.
    pub version_id_marker: Option<String>,
}

/// ListMultipartUploads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMultipartUploadsRequest {
    /// Bucket.
    pub bucket: String,
    /// `key-marker`.
    pub key_marker: Option<String>,
    /// `max-uploads`, at most 1,000 served.
    pub max_uploads: i64,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `upload-id-marker`.
    pub upload_id_marker: Option<String>,
}

/// CreateMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateMultipartUploadRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `Content-Type` of the object to be.
    pub content_type: Option<String>,
}

/// UploadPart.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadPartRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `partNumber`.
    pub part_number: i64,
    /// `uploadId`.
    pub upload_id: String,
    /// The part's bytes.
    pub body: Vec<u8>,
}

/// UploadPartCopy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadPartCopyRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `partNumber`.
    pub part_number: i64,
    /// `uploadId`.
    pub upload_id: String,
    /// `x-amz-copy-source`.
    pub copy_source: String,
    /// `x-amz-copy-source-range`.
    pub copy_source_range: Option<String>,
}

/// A part named by CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompletedPart {
    /// Number.
    pub part_number: i64,
    /// ETag (quoted or not).
    #[serde(rename = "ETag")]
    pub e_tag: String,
}

/// CompleteMultipartUpload's document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompletedMultipartUpload {
    /// The parts, in the request's order.
    pub parts: Vec<CompletedPart>,
}

/// CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompleteMultipartUploadRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `uploadId`.
    pub upload_id: String,
    /// The parts.
    pub multipart_upload: CompletedMultipartUpload,
}

/// AbortMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortMultipartUploadRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `uploadId`.
    pub upload_id: String,
}

/// ListParts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPartsRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `uploadId`.
    pub upload_id: String,
    /// `max-parts`, at most 1,000 served.
    pub max_parts: i64,
    /// `part-number-marker`.
    pub part_number_marker: i64,
}

/// CopyObject.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyObjectRequest {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `x-amz-copy-source`.
    pub copy_source: String,
    /// `x-amz-metadata-directive`.
    pub metadata_directive: Option<String>,
    /// `Content-Type` (for `REPLACE`).
    pub content_type: Option<String>,
}
