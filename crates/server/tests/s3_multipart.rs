//! S3 multipart uploads and CopyObject through aws-sdk-s3, against the binary: the multipart
//! ETag (`<md5 of the parts' md5s>-<N>`), ListParts, S3's errors, UploadPartCopy.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::{s3, Server};
use md5::{Digest, Md5};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn part(n: i32, etag: &str) -> CompletedPart {
    CompletedPart::builder().part_number(n).e_tag(etag).build()
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_string()
}

#[tokio::test]
async fn multipart_upload_etag_list_and_errors() {
    let server = Server::start();
    let c = s3(&server);
    c.create_bucket().bucket("mp-bucket").send().await.expect("bucket");
    let up = c.create_multipart_upload().bucket("mp-bucket").key("k").send().await.expect("create");
    let id = up.upload_id().expect("upload id").to_string();
    let p1: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let p2 = b"last part".to_vec();
    let mut etags = Vec::new();
    for (n, data) in [(1, &p1), (2, &p2)] {
        let out = c
            .upload_part()
            .bucket("mp-bucket")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .expect("upload part");
        etags.push(out.e_tag().expect("etag").to_string());
    }
    assert_eq!(etags[0], format!("\"{}\"", hex(&Md5::digest(&p1))));
    let parts = c.list_parts().bucket("mp-bucket").key("k").upload_id(&id).send().await.expect("list parts");
    let listed: Vec<(i32, i64)> =
        parts.parts().iter().map(|p| (p.part_number().unwrap_or(0), p.size().unwrap_or(0))).collect();
    assert_eq!(listed, vec![(1, p1.len() as i64), (2, p2.len() as i64)]);

    let complete = |parts: Vec<CompletedPart>| {
        c.complete_multipart_upload()
            .bucket("mp-bucket")
            .key("k")
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
    };
    let err = complete(vec![part(2, &etags[1]), part(1, &etags[0])]).await.expect_err("order");
    assert_eq!(code(&err.into_service_error()), "InvalidPartOrder");
    let err = complete(vec![part(1, &etags[1])]).await.expect_err("etag");
    assert_eq!(code(&err.into_service_error()), "InvalidPart");
    let done = complete(vec![part(1, &etags[0]), part(2, &etags[1])]).await.expect("complete");
    let mut md5 = Md5::new();
    md5.update(Md5::digest(&p1));
    md5.update(Md5::digest(&p2));
    let expected = format!("\"{}-2\"", hex(&md5.finalize()));
    assert_eq!(done.e_tag(), Some(expected.as_str()));
    let head = c.head_object().bucket("mp-bucket").key("k").send().await.expect("head");
    assert_eq!(head.e_tag(), Some(expected.as_str()));
    assert_eq!(head.content_length(), Some((p1.len() + p2.len()) as i64));
    let err = c.abort_multipart_upload().bucket("mp-bucket").key("k").upload_id(&id).send().await.expect_err("gone");
    assert_eq!(code(&err.into_service_error()), "NoSuchUpload");

    // CopyObject makes a single-part copy; UploadPartCopy takes a byte range.
    let copy = c.copy_object().bucket("mp-bucket").key("copy").copy_source("mp-bucket/k").send().await.expect("copy");
    let mut whole = p1.clone();
    whole.extend_from_slice(&p2);
    let plain = format!("\"{}\"", hex(&Md5::digest(&whole)));
    assert_eq!(copy.copy_object_result().and_then(|r| r.e_tag()), Some(plain.as_str()));
    let id2 = c
        .create_multipart_upload()
        .bucket("mp-bucket")
        .key("ranged")
        .send()
        .await
        .expect("create")
        .upload_id
        .expect("id");
    let pc = c
        .upload_part_copy()
        .bucket("mp-bucket")
        .key("ranged")
        .upload_id(&id2)
        .part_number(1)
        .copy_source("mp-bucket/k")
        .copy_source_range("bytes=10-19")
        .send()
        .await
        .expect("upload part copy");
    let etag = pc.copy_part_result().and_then(|r| r.e_tag()).expect("etag").to_string();
    c.complete_multipart_upload()
        .bucket("mp-bucket")
        .key("ranged")
        .upload_id(&id2)
        .multipart_upload(CompletedMultipartUpload::builder().parts(part(1, &etag)).build())
        .send()
        .await
        .expect("complete ranged");
    let got = c.get_object().bucket("mp-bucket").key("ranged").send().await.expect("get");
    let bytes = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&bytes[..], &p1[10..20]);
}
