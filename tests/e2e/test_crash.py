"""Durable mode: acknowledged writes survive SIGKILL, exactly once and in order; a clean
restart keeps streams, tags and retention."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from conftest import list_all_shards, make_kinesis_client, read_stream, shard_for_key, wait_active

STREAM = "crash-test"
ROUNDS = 3
WRITERS = 2
KEYS_PER_WRITER = 8
PROBE_KEY = "probe"


@dataclass
class Ledger:
    """What the writers know: acknowledged records and requests whose outcome is unknown."""

    acked: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)  # (pk, n) -> (shard, seq)
    unknown: set[tuple[str, int]] = field(default_factory=set)  # sent, no answer (server killed)
    rejected: list[str] = field(default_factory=list)  # error answers from a live server: must not happen
    next_n: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def payload(pk: str, n: int) -> bytes:
    return f"{pk}:{n}".encode()


def parse_payload(data: bytes) -> tuple[str, int]:
    pk, n = data.decode().rsplit(":", 1)
    return pk, int(n)


def writer(endpoint: str, keys: list[str], ledger: Ledger, stop: threading.Event, max_requests: int = 50_000) -> None:
    """Writes sequential payload numbers per partition key until the server stops answering."""
    client = make_kinesis_client(endpoint, retries=1, read_timeout=20, connect_timeout=3)
    deadline = time.monotonic() + 60
    for i in range(max_requests):
        if time.monotonic() > deadline:
            return
        if i % 3 == 2:
            # PutRecords: a batch across this writer's keys, each key's numbers in order
            batch = []
            for j in range(20):
                pk = keys[(i + j) % len(keys)]
                batch.append((pk, ledger.next_n[pk]))
                ledger.next_n[pk] += 1
        else:
            pk = keys[i % len(keys)]
            batch = [(pk, ledger.next_n[pk])]
            ledger.next_n[pk] += 1
        try:
            if len(batch) == 1:
                (pk, n), = batch
                out = client.put_record(StreamName=STREAM, PartitionKey=pk, Data=payload(pk, n))
                results = [out]
            else:
                resp = client.put_records(
                    StreamName=STREAM, Records=[{"PartitionKey": pk, "Data": payload(pk, n)} for pk, n in batch]
                )
                results = resp["Records"]
        except (BotoCoreError, ClientError) as e:
            with ledger.lock:
                ledger.unknown.update(batch)
                if not stop.is_set():
                    ledger.rejected.append(f"{type(e).__name__}: {e}")
            return
        with ledger.lock:
            for key, res in zip(batch, results):
                if "ErrorCode" in res:
                    ledger.rejected.append(f"{key}: {res['ErrorCode']} {res.get('ErrorMessage')}")
                else:
                    ledger.acked[key] = (res["ShardId"], res["SequenceNumber"])


def verify(client, ledger: Ledger) -> dict[str, list[dict]]:
    """Reads the stream back and checks it against the ledger. Returns the records by shard."""
    shards = list_all_shards(client, STREAM)
    by_shard = read_stream(client, STREAM)
    seen: dict[tuple[str, int], tuple[str, str]] = {}
    for shard_id, recs in by_shard.items():
        seqs = [int(r["SequenceNumber"]) for r in recs]
        assert all(a < b for a, b in zip(seqs, seqs[1:])), f"{shard_id}: sequence numbers out of order"
        last_n: dict[str, int] = {}
        for r in recs:
            if r["PartitionKey"] == PROBE_KEY:
                continue  # written by the test itself after a restart
            key = parse_payload(r["Data"])
            assert key not in seen, f"record {key} stored twice: {seen[key]} and {(shard_id, r['SequenceNumber'])}"
            seen[key] = (shard_id, r["SequenceNumber"])
            assert r["PartitionKey"] == key[0]
            assert shard_for_key(shards, key[0]) == shard_id
            # per partition key, payload numbers come back in the order they were written
            assert key[1] > last_n.get(key[0], -1), f"{key} after {key[0]}:{last_n[key[0]]} in {shard_id}"
            last_n[key[0]] = key[1]

    missing = {k: v for k, v in ledger.acked.items() if k not in seen}
    assert not missing, f"{len(missing)} acknowledged records lost, e.g. {sorted(missing.items())[:5]}"
    changed = {k: (v, seen[k]) for k, v in ledger.acked.items() if seen[k] != v}
    assert not changed, f"acknowledged records with another shard/sequence number: {sorted(changed.items())[:5]}"
    extra = set(seen) - set(ledger.acked) - ledger.unknown
    assert not extra, f"records that were never sent or were rejected: {sorted(extra)[:5]}"
    print(
        f"verify: {len(ledger.acked)} acknowledged, {len(ledger.unknown)} in flight at a kill, "
        f"{len(ledger.unknown & set(seen))} of those stored"
    )
    return by_shard


def test_sigkill_keeps_every_acknowledged_record(start_kinesin, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    ledger = Ledger()
    key_sets = [[f"w{w}-k{k}" for k in range(KEYS_PER_WRITER)] for w in range(WRITERS)]
    for pk in (k for ks in key_sets for k in ks):
        ledger.next_n[pk] = 0

    server = start_kinesin("--data-dir", data_dir)
    assert server.store != "ephemeral"
    client = make_kinesis_client(server.endpoint)
    client.create_stream(StreamName=STREAM, ShardCount=4)
    wait_active(client, STREAM)

    for rnd in range(ROUNDS):
        before = len(ledger.acked)
        stop = threading.Event()
        threads = [
            threading.Thread(target=writer, args=(server.endpoint, keys, ledger, stop), daemon=True)
            for keys in key_sets
        ]
        for t in threads:
            t.start()
        # let the writers run ~1.5 s and get at least some writes acknowledged (bounded wait)
        started = time.monotonic()
        while time.monotonic() - started < 30:
            time.sleep(0.05)
            if time.monotonic() - started >= 1.5 and len(ledger.acked) - before >= 50:
                break
            if not any(t.is_alive() for t in threads):
                break
        assert not ledger.rejected, f"round {rnd}: live server rejected writes: {ledger.rejected[:5]}"
        assert all(t.is_alive() for t in threads), "a writer stopped before the kill"
        stop.set()
        server.kill()  # SIGKILL while the writers are mid-flight
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive(), "writer did not notice the dead server"
        assert not ledger.rejected, f"round {rnd}: {ledger.rejected[:5]}"
        assert len(ledger.acked) > before, f"round {rnd}: nothing was acknowledged"

        server = start_kinesin("--data-dir", data_dir)  # same data, new port
        client = make_kinesis_client(server.endpoint)
        assert client.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
        by_shard = verify(client, ledger)

        # writing continues, with sequence numbers above everything stored before
        for shard in list_all_shards(client, STREAM):
            out = client.put_record(
                StreamName=STREAM,
                PartitionKey=PROBE_KEY,
                Data=f"probe after round {rnd}".encode(),
                ExplicitHashKey=shard["HashKeyRange"]["StartingHashKey"],
            )
            assert out["ShardId"] == shard["ShardId"]
            old = [int(r["SequenceNumber"]) for r in by_shard[shard["ShardId"]]]
            assert not old or int(out["SequenceNumber"]) > max(old)

    # final: the stream still holds every acknowledged record
    verify(client, ledger)


def test_clean_restart_keeps_streams_tags_retention(start_kinesin, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = start_kinesin("--data-dir", data_dir)
    client = make_kinesis_client(server.endpoint)

    client.create_stream(StreamName="keep-a", ShardCount=3)
    client.create_stream(StreamName="keep-b", ShardCount=1)
    client.create_stream(StreamName="drop-c", ShardCount=1)
    for n in ("keep-a", "keep-b", "drop-c"):
        wait_active(client, n)
    client.add_tags_to_stream(StreamName="keep-a", Tags={"owner": "tests", "tier": "gold"})
    client.increase_stream_retention_period(StreamName="keep-a", RetentionPeriodHours=100)
    wait_active(client, "keep-a")
    client.delete_stream(StreamName="drop-c")
    client.get_waiter("stream_not_exists").wait(StreamName="drop-c", WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})
    put = client.put_records(
        StreamName="keep-a", Records=[{"PartitionKey": f"pk{i}", "Data": f"v{i}".encode()} for i in range(30)]
    )
    assert put["FailedRecordCount"] == 0
    desc_before = client.describe_stream(StreamName="keep-a")["StreamDescription"]
    records_before = read_stream(client, "keep-a")

    assert server.stop() == 0, f"kinesin did not exit cleanly on SIGTERM: {server.log_tail()}"

    server = start_kinesin("--data-dir", data_dir)
    client = make_kinesis_client(server.endpoint)
    assert client.list_streams()["StreamNames"] == ["keep-a", "keep-b"]
    desc = client.describe_stream(StreamName="keep-a")["StreamDescription"]
    assert desc["RetentionPeriodHours"] == 100
    assert desc["StreamStatus"] == "ACTIVE"
    assert desc["Shards"] == desc_before["Shards"]
    assert desc["StreamCreationTimestamp"] == desc_before["StreamCreationTimestamp"]
    assert client.list_tags_for_stream(StreamName="keep-a")["Tags"] == [
        {"Key": "owner", "Value": "tests"},
        {"Key": "tier", "Value": "gold"},
    ]
    assert client.describe_stream_summary(StreamName="keep-b")["StreamDescriptionSummary"]["OpenShardCount"] == 1

    records_after = read_stream(client, "keep-a")
    strip = lambda recs: {k: [(r["SequenceNumber"], r["PartitionKey"], r["Data"]) for r in v] for k, v in recs.items()}  # noqa: E731
    assert strip(records_after) == strip(records_before)
    assert sum(len(v) for v in records_after.values()) == 30

    out = client.put_record(StreamName="keep-a", PartitionKey="pk0", Data=b"new")
    old = [int(r["SequenceNumber"]) for r in records_after[out["ShardId"]]]
    assert int(out["SequenceNumber"]) > max(old)


def test_kill_cycles_on_every_service(start_kinesin, tmp_path):
    """A few cycles of scripts/crash-test.py: writers on Kinesis, SQS FIFO, Firehose to S3 and
    a pipe, SIGKILL at random moments, restart on the same data dir, acked = stored."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "crash-test.py"
    spec = importlib.util.spec_from_file_location("crash_harness", path)
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    data = tmp_path / "data"
    figures = harness.run(3, 7, lambda d: start_kinesin("--data-dir", d, "--firehose-interval-override-secs", "1"), data)
    assert all(n > 0 for n in figures["acked"].values()), figures
