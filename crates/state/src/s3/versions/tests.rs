use super::*;
use crate::clock::ManualClock;
use crate::s3::multipart::{copy, Copy};
use crate::s3::{create_bucket, delete_bucket, delete_object, get_object, head_object, list_objects, put_object};
use crate::s3::{ListQuery, Stored};
use std::sync::Arc;

fn setup(status: Option<Versioning>) -> (Engine, Ctx) {
    let mut eng = Engine::memory(Arc::new(ManualClock::new(1_000)));
    let ctx = Ctx::new("000000000000", "us-east-1");
    create_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
    if let Some(s) = status {
        configure(&mut eng, &ctx, status_doc(s)).unwrap();
    }
    (eng, ctx)
}

/// PutBucketVersioning of bucket `bkt` with status `s`.
fn status_doc(s: Versioning) -> PutBucketSettingRequest {
    let status = if s == Versioning::Enabled { "Enabled" } else { "Suspended" };
    let document = format!("<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>").into_bytes();
    PutBucketSettingRequest { bucket: "bkt".into(), document }
}

fn put(eng: &Engine, key: &str, data: &str) -> Stored {
    put_object(eng, "bkt", key, data.as_bytes(), None).unwrap()
}

fn body(eng: &mut Engine, ctx: &Ctx, key: &str, v: &str) -> Vec<u8> {
    match get(eng, ctx, ("bkt".into(), key.into(), v.into(), None)).unwrap() {
        Found::Object((_, data, _)) => data,
        Found::Marker(m) => panic!("a delete marker: {m:?}"),
    }
}

fn all(eng: &mut Engine, ctx: &Ctx) -> Vec<(String, String, bool, bool)> {
    let q = VersionQuery { bucket: "bkt".into(), max_keys: 1000, ..Default::default() };
    let l = list(eng, ctx, q).unwrap();
    l.entries.into_iter().map(|e| (e.meta.key, e.meta.version_id.unwrap(), e.latest, e.delete_marker)).collect()
}

fn del(eng: &mut Engine, ctx: &Ctx, key: &str, v: Option<&str>) -> Deleted {
    delete_object(eng, ctx, ("bkt".into(), key.into(), v.map(Into::into))).unwrap()
}

#[test]
fn unversioned_buckets_show_no_version_ids() {
    let (mut eng, ctx) = setup(None);
    assert_eq!(put(&eng, "k", "one").version_id, None);
    put(&eng, "k", "two");
    assert_eq!(head_object(&mut eng, &ctx, ("bkt".into(), "k".into())).unwrap().version_id, None);
    assert_eq!(all(&mut eng, &ctx), vec![("k".into(), "null".into(), true, false)]);
    assert_eq!(body(&mut eng, &ctx, "k", "null"), b"two");
    assert_eq!(del(&mut eng, &ctx, "k", None), Deleted::default());
    assert!(all(&mut eng, &ctx).is_empty());
    delete_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
}

#[test]
fn enabled_keeps_every_version_and_delete_markers() {
    let (mut eng, ctx) = setup(None);
    put(&eng, "k", "before");
    configure(&mut eng, &ctx, status_doc(Versioning::Enabled)).unwrap();
    let v1 = put(&eng, "k", "one").version_id.unwrap();
    let v2 = put(&eng, "k", "two").version_id.unwrap();
    assert!(v1 != v2 && v1.len() == 32 && check_version_id(&v1).is_ok());
    assert_eq!(head_object(&mut eng, &ctx, ("bkt".into(), "k".into())).unwrap().version_id.as_deref(), Some(&*v2));
    assert_eq!(body(&mut eng, &ctx, "k", &v1), b"one");
    assert_eq!(body(&mut eng, &ctx, "k", "null"), b"before");
    let listed = all(&mut eng, &ctx);
    assert_eq!(
        listed,
        vec![
            ("k".into(), v2.clone(), true, false),
            ("k".into(), v1.clone(), false, false),
            ("k".into(), "null".into(), false, false)
        ]
    );
    // A simple DELETE makes a delete marker the current version.
    let d = del(&mut eng, &ctx, "k", None);
    let m = d.version_id.clone().unwrap();
    assert!(d.delete_marker);
    assert_eq!(head_object(&mut eng, &ctx, ("bkt".into(), "k".into())).unwrap_err().code, "NoSuchKey");
    assert_eq!(current_marker(&mut eng, &ctx, ("bkt".into(), "k".into())).unwrap().unwrap().version_id, m);
    assert!(matches!(head(&mut eng, &ctx, ("bkt".into(), "k".into(), m.clone())).unwrap(), Found::Marker(_)));
    let q = ListQuery { bucket: "bkt".into(), max_keys: 1000, ..Default::default() };
    assert!(list_objects(&mut eng, &ctx, q).unwrap().contents.is_empty());
    assert_eq!(all(&mut eng, &ctx)[0], ("k".into(), m.clone(), true, true));
    assert_eq!(delete_bucket(&mut eng, &ctx, "bkt".into()).unwrap_err().code, "BucketNotEmpty");
    // Deleting the marker by version id brings the newest version back.
    assert_eq!(del(&mut eng, &ctx, "k", Some(&m)), Deleted { version_id: Some(m.clone()), delete_marker: true });
    assert!(current_marker(&mut eng, &ctx, ("bkt".into(), "k".into())).unwrap().is_none());
    assert_eq!(get_object(&mut eng, &ctx, ("bkt".into(), "k".into(), None)).unwrap().1, b"two");
    // Deleting the current version by id makes the previous one current.
    del(&mut eng, &ctx, "k", Some(&v2));
    let (meta, data, _) = get_object(&mut eng, &ctx, ("bkt".into(), "k".into(), None)).unwrap();
    assert_eq!((data.as_slice(), meta.version_id.as_deref()), (&b"one"[..], Some(&*v1)));
    // Unknown and malformed ids.
    assert_eq!(head(&mut eng, &ctx, ("bkt".into(), "k".into(), v2.clone())).unwrap_err().code, "NoSuchVersion");
    assert_eq!(head(&mut eng, &ctx, ("bkt".into(), "k".into(), "bad".into())).unwrap_err().code, "InvalidArgument");
    assert_eq!(del(&mut eng, &ctx, "k", Some(&v2)), Deleted { version_id: Some(v2), delete_marker: false });
    for v in [v1, "null".to_string()] {
        del(&mut eng, &ctx, "k", Some(&v));
    }
    assert!(all(&mut eng, &ctx).is_empty());
    delete_bucket(&mut eng, &ctx, "bkt".into()).unwrap();
}

#[test]
fn suspended_writes_replace_the_null_version() {
    let (mut eng, ctx) = setup(Some(Versioning::Enabled));
    let v1 = put(&eng, "k", "one").version_id.unwrap();
    configure(&mut eng, &ctx, status_doc(Versioning::Suspended)).unwrap();
    assert_eq!(put(&eng, "k", "two").version_id.as_deref(), Some("null"));
    assert_eq!(put(&eng, "k", "three").version_id.as_deref(), Some("null"));
    let listed = all(&mut eng, &ctx);
    assert_eq!(listed, vec![("k".into(), "null".into(), true, false), ("k".into(), v1.clone(), false, false)]);
    assert_eq!(body(&mut eng, &ctx, "k", "null"), b"three");
    // A simple DELETE replaces the null version by a null delete marker.
    assert_eq!(del(&mut eng, &ctx, "k", None), Deleted { version_id: Some("null".into()), delete_marker: true });
    let listed = all(&mut eng, &ctx);
    assert_eq!(listed, vec![("k".into(), "null".into(), true, true), ("k".into(), v1.clone(), false, false)]);
    // Re-enabling: a put archives nothing named null but keeps the marker.
    configure(&mut eng, &ctx, status_doc(Versioning::Enabled)).unwrap();
    let v3 = put(&eng, "k", "four").version_id.unwrap();
    let ids: Vec<String> = all(&mut eng, &ctx).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, vec![v3, "null".to_string(), v1]);
}

#[test]
fn listing_pages_by_key_and_version_markers() {
    let (mut eng, ctx) = setup(Some(Versioning::Enabled));
    for (k, n) in [("a", 3), ("b/x", 2), ("b/y", 1), ("c", 2)] {
        for i in 0..n {
            put(&eng, k, &format!("{k}{i}"));
        }
    }
    del(&mut eng, &ctx, "c", None);
    let whole = all(&mut eng, &ctx);
    assert_eq!(whole.len(), 9);
    for max in 1..=4 {
        let mut seen = Vec::new();
        let (mut km, mut vm) = (String::new(), String::new());
        loop {
            let q = VersionQuery {
                bucket: "bkt".into(),
                key_marker: km.clone(),
                version_marker: vm.clone(),
                max_keys: max,
                ..Default::default()
            };
            let page = list(&mut eng, &ctx, q).unwrap();
            assert!(page.entries.len() <= max);
            seen.extend(
                page.entries.into_iter().map(|e| (e.meta.key, e.meta.version_id.unwrap(), e.latest, e.delete_marker)),
            );
            let Some((k, v)) = page.next else { break };
            assert!(page.truncated);
            (km, vm) = (k, v.unwrap_or_default());
        }
        assert_eq!(seen, whole, "page size {max}");
    }
    // With a delimiter, common prefixes count once.
    let q = VersionQuery { bucket: "bkt".into(), delimiter: Some("/".into()), max_keys: 4, ..Default::default() };
    let page = list(&mut eng, &ctx, q).unwrap();
    assert_eq!((page.entries.len(), page.common_prefixes.clone()), (3, vec!["b/".to_string()]));
    assert_eq!(page.next, Some(("b/".into(), None)));
    let q = VersionQuery { bucket: "bkt".into(), version_marker: "null".into(), max_keys: 4, ..Default::default() };
    assert_eq!(list(&mut eng, &ctx, q).unwrap_err().code, "InvalidArgument");
}

#[test]
fn copies_read_a_chosen_version() {
    let (mut eng, ctx) = setup(Some(Versioning::Enabled));
    let v1 = put(&eng, "src", "one").version_id.unwrap();
    put(&eng, "src", "two");
    let c = |v: Option<&str>| Copy {
        src_bucket: "bkt".into(),
        src_key: "src".into(),
        src_version: v.map(Into::into),
        bucket: "bkt".into(),
        key: "dst".into(),
        replace_content_type: None,
    };
    let copied = copy(&mut eng, &ctx, c(Some(&v1))).unwrap();
    assert_eq!(copied.source_version.as_deref(), Some(&*v1));
    assert!(copied.stored.version_id.is_some());
    assert_eq!(get_object(&mut eng, &ctx, ("bkt".into(), "dst".into(), None)).unwrap().1, b"one");
    let m = del(&mut eng, &ctx, "src", None).version_id.unwrap();
    assert_eq!(copy(&mut eng, &ctx, c(None)).unwrap_err().code, "NoSuchKey");
    assert_eq!(copy(&mut eng, &ctx, c(Some(&m))).unwrap_err().code, "InvalidRequest");
    // Copying a version onto its own key restores it.
    let mut restore = c(Some(&v1));
    restore.key = "src".into();
    copy(&mut eng, &ctx, restore).unwrap();
    assert_eq!(get_object(&mut eng, &ctx, ("bkt".into(), "src".into(), None)).unwrap().1, b"one");
}

#[test]
fn the_migration_keeps_the_status_of_buckets_configured_before_it() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../../schema/s3.sql")).unwrap();
    conn.execute_batch(include_str!("../../migrations/s3_bucket_config.sql")).unwrap();
    for (name, doc) in [("on", Some("Enabled")), ("paused", Some("Suspended")), ("never", None)] {
        conn.execute("INSERT INTO s3_buckets VALUES (?1, '000000000000', 'us-east-1', 0)", [name]).unwrap();
        if let Some(status) = doc {
            let body = format!("<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>");
            conn.execute(
                "INSERT INTO s3_bucket_config VALUES (?1, 'versioning', ?2)",
                rusqlite::params![name, body.into_bytes()],
            )
            .unwrap();
        }
    }
    conn.execute_batch(include_str!("../../migrations/s3_versions.sql")).unwrap();
    let mut stmt = conn.prepare("SELECT name, versioning FROM s3_buckets ORDER BY name").unwrap();
    let rows: Vec<(String, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        rows,
        vec![
            ("never".to_string(), None),
            ("on".to_string(), Some("Enabled".to_string())),
            ("paused".to_string(), Some("Suspended".to_string()))
        ]
    );
}
