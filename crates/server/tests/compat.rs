//! kinesis-mock compatibility: streams created at start.

mod common;

use common::{client, client_for, Server};

#[tokio::test]
async fn initialize_streams_creates_streams_in_their_regions() {
    let server = Server::with_args(&["--initialize-streams", "a:2, b:1:eu-west-1"]);
    let c = client(&server);
    let a = c.describe_stream_summary().stream_name("a").send().await.unwrap();
    assert_eq!(a.stream_description_summary().unwrap().open_shard_count(), 2);
    assert!(c.describe_stream_summary().stream_name("b").send().await.is_err(), "b lives in eu-west-1");
    let eu = client_for(&server, "eu-west-1", "test");
    let b = eu.describe_stream_summary().stream_name("b").send().await.unwrap();
    assert_eq!(b.stream_description_summary().unwrap().open_shard_count(), 1);
}
