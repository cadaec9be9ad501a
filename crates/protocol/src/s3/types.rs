//! S3's answers as typed structs, named and spelled as the botocore model names its shapes
//! and members (keys as the model's wire names: `Part`, `Upload`, `Error`), members in the
//! order S3 writes them; `restxml::encode_output` writes them (headers, body) from the model.
//! Timestamps are epoch seconds.

use serde::Serialize;

/// The XML namespace of S3's documents.
pub const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// `Owner` (and `Initiator`, the same members).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owner {
    /// Canonical id (kinesin: the account).
    #[serde(rename = "ID")]
    pub id: String,
    /// Display name (kinesin: the account).
    #[serde(rename = "DisplayName")]
    pub display_name: String,
}

impl Owner {
    /// The owner kinesin shows for an account.
    pub fn of(account: &str) -> Self {
        Owner { id: account.to_string(), display_name: account.to_string() }
    }
}

/// `Bucket` of ListBuckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Creation time.
    pub creation_date: f64,
    /// Region.
    pub bucket_region: String,
}

/// ListBuckets (`ListAllMyBucketsResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListBucketsOutput {
    /// The account.
    pub owner: Owner,
    /// The buckets.
    pub buckets: Vec<Bucket>,
}

/// `Object` of a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Object {
    /// Key (URL-encoded when asked).
    pub key: String,
    /// Last write.
    pub last_modified: f64,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
    /// Size in bytes.
    pub size: i64,
    /// Owner.
    pub owner: Owner,
    /// `STANDARD`.
    pub storage_class: &'static str,
}

/// `CommonPrefix`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommonPrefix {
    /// The prefix (URL-encoded when asked).
    pub prefix: String,
}

/// ListObjects (`ListBucketResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectsOutput {
    /// Bucket.
    pub name: String,
    /// `prefix` asked.
    pub prefix: String,
    /// `url` when names are URL-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// `marker` asked.
    pub marker: String,
    /// `max-keys` served.
    pub max_keys: i64,
    /// `delimiter` asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Whether more follow.
    pub is_truncated: bool,
    /// Where the next page starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// The objects.
    pub contents: Vec<Object>,
    /// The common prefixes.
    pub common_prefixes: Vec<CommonPrefix>,
}

/// ListObjectsV2 (`ListBucketResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectsV2Output {
    /// Bucket.
    pub name: String,
    /// `prefix` asked.
    pub prefix: String,
    /// `url` when names are URL-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// Objects and common prefixes on this page.
    pub key_count: i64,
    /// `continuation-token` asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// `start-after` asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// `max-keys` served.
    pub max_keys: i64,
    /// `delimiter` asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Whether more follow.
    pub is_truncated: bool,
    /// The token of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_continuation_token: Option<String>,
    /// The objects.
    pub contents: Vec<Object>,
    /// The common prefixes.
    pub common_prefixes: Vec<CommonPrefix>,
}

/// CreateMultipartUpload (`InitiateMultipartUploadResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateMultipartUploadOutput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The upload's id.
    pub upload_id: String,
}

/// CompleteMultipartUpload (`CompleteMultipartUploadResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompleteMultipartUploadOutput {
    /// `http://<host>/<bucket>/<key>`.
    pub location: String,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
    /// `x-amz-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `Part` of ListParts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Part {
    /// Number.
    pub part_number: i64,
    /// Upload time.
    pub last_modified: f64,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
    /// Size in bytes.
    pub size: i64,
}

/// ListParts (`ListPartsResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPartsOutput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The upload's id.
    pub upload_id: String,
    /// Who started it.
    pub initiator: Owner,
    /// Owner.
    pub owner: Owner,
    /// `STANDARD`.
    pub storage_class: &'static str,
    /// `part-number-marker` asked.
    pub part_number_marker: i64,
    /// Where the next page starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_part_number_marker: Option<i64>,
    /// `max-parts` served.
    pub max_parts: i64,
    /// Whether more follow.
    pub is_truncated: bool,
    /// The parts.
    #[serde(rename = "Part")]
    pub parts: Vec<Part>,
}

/// `MultipartUpload` of ListMultipartUploads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultipartUpload {
    /// Key.
    pub key: String,
    /// The upload's id.
    pub upload_id: String,
    /// Who started it.
    pub initiator: Owner,
    /// Owner.
    pub owner: Owner,
    /// `STANDARD`.
    pub storage_class: &'static str,
    /// When it started.
    pub initiated: f64,
}

/// ListMultipartUploads (`ListMultipartUploadsResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMultipartUploadsOutput {
    /// Bucket.
    pub bucket: String,
    /// `key-marker` asked.
    pub key_marker: String,
    /// `upload-id-marker` asked.
    pub upload_id_marker: String,
    /// Where the next page starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    /// Where the next page starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_upload_id_marker: Option<String>,
    /// `prefix` asked.
    pub prefix: String,
    /// `max-uploads` served.
    pub max_uploads: i64,
    /// Whether more follow.
    pub is_truncated: bool,
    /// The uploads.
    #[serde(rename = "Upload")]
    pub uploads: Vec<MultipartUpload>,
}

/// `DeletedObject` of DeleteObjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletedObject {
    /// Key.
    pub key: String,
    /// The version removed, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Whether a delete marker was involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_marker: Option<bool>,
    /// The delete marker's version id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_marker_version_id: Option<String>,
}

/// `Error` of DeleteObjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteError {
    /// Key.
    pub key: String,
    /// The version named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// S3's code.
    pub code: String,
    /// S3's message.
    pub message: String,
}

/// DeleteObjects (`DeleteResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteObjectsOutput {
    /// What was deleted (none in quiet mode).
    #[serde(rename = "Deleted")]
    pub deleted: Vec<DeletedObject>,
    /// What could not be.
    #[serde(rename = "Error")]
    pub errors: Vec<DeleteError>,
}

/// `CopyObjectResult` and `CopyPartResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyResult {
    /// The copy's time.
    pub last_modified: f64,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
}

/// CopyObject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyObjectOutput {
    /// The body.
    pub copy_object_result: CopyResult,
    /// `x-amz-copy-source-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_source_version_id: Option<String>,
    /// `x-amz-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// UploadPartCopy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadPartCopyOutput {
    /// The body.
    pub copy_part_result: CopyResult,
    /// `x-amz-copy-source-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_source_version_id: Option<String>,
}

/// PutObject and UploadPart (headers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutObjectOutput {
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
    /// `x-amz-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// DeleteObject (headers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteObjectOutput {
    /// `x-amz-version-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `x-amz-delete-marker: true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_marker: Option<bool>,
}

/// CreateBucket (headers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateBucketOutput {
    /// `/<bucket>`.
    pub location: String,
}

/// HeadBucket (headers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HeadBucketOutput {
    /// `x-amz-bucket-region`.
    pub bucket_region: String,
}

/// `ObjectVersion` of ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectVersion {
    /// Key (URL-encoded when asked).
    pub key: String,
    /// Version id (`null` for the null version).
    pub version_id: String,
    /// Whether it is the key's newest version.
    pub is_latest: bool,
    /// Last write.
    pub last_modified: f64,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub e_tag: String,
    /// Size in bytes.
    pub size: i64,
    /// Owner.
    pub owner: Owner,
    /// `STANDARD`.
    pub storage_class: &'static str,
}

/// `DeleteMarkerEntry` of ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteMarkerEntry {
    /// Key (URL-encoded when asked).
    pub key: String,
    /// Version id.
    pub version_id: String,
    /// Whether it is the key's newest version.
    pub is_latest: bool,
    /// When it was made.
    pub last_modified: f64,
    /// Owner.
    pub owner: Owner,
}

/// ListObjectVersions (`ListVersionsResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectVersionsOutput {
    /// Bucket.
    pub name: String,
    /// `prefix` asked.
    pub prefix: String,
    /// `key-marker` asked.
    pub key_marker: String,
    /// `version-id-marker` asked.
    pub version_id_marker: String,
    /// `max-keys` served.
    pub max_keys: i64,
    /// `url` when names are URL-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// `delimiter` asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Whether more follow.
    pub is_truncated: bool,
    /// Where the next page starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    /// Where the next page starts, within that key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_version_id_marker: Option<String>,
    /// The versions.
    #[serde(rename = "Version")]
    pub versions: Vec<ObjectVersion>,
    /// The delete markers.
    #[serde(rename = "DeleteMarker")]
    pub delete_markers: Vec<DeleteMarkerEntry>,
    /// The common prefixes.
    pub common_prefixes: Vec<CommonPrefix>,
}

/// GetBucketLocation (S3 writes the member as the document's root, empty for us-east-1).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetBucketLocationOutput {
    /// The region, none for us-east-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_constraint: Option<String>,
}
