package kinesintests

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

type sentRecord struct {
	key     string
	data    []byte
	shardID string
	seq     string
}

func bigInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("not a decimal number: %q", s)
	}
	return n
}

// shardForHash finds the open shard whose hash key range holds h.
func shardForHash(t *testing.T, shards []types.Shard, h *big.Int) string {
	t.Helper()
	for _, s := range shards {
		lo := bigInt(t, aws.ToString(s.HashKeyRange.StartingHashKey))
		hi := bigInt(t, aws.ToString(s.HashKeyRange.EndingHashKey))
		if h.Cmp(lo) >= 0 && h.Cmp(hi) <= 0 {
			return aws.ToString(s.ShardId)
		}
	}
	t.Fatalf("no shard holds hash key %s", h)
	return ""
}

// readShard reads a shard from the iterator until it has want records, then checks that one
// more GetRecords call brings nothing. Paging is forced with a small Limit. Bounded.
func readShard(t *testing.T, ctx context.Context, c *kinesis.Client, iterator *string, want int) []types.Record {
	t.Helper()
	var got []types.Record
	done := false
	for i := 0; i < want+20 && !done; i++ {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iterator, Limit: aws.Int32(7)})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		if len(out.Records) > 7 {
			t.Fatalf("GetRecords Limit 7 returned %d records", len(out.Records))
		}
		got = append(got, out.Records...)
		if out.NextShardIterator == nil {
			t.Fatalf("open shard: GetRecords returned no NextShardIterator")
		}
		iterator = out.NextShardIterator
		if len(out.Records) == 0 && len(got) >= want {
			// At the tip of the shard: nothing more, and not behind.
			if aws.ToInt64(out.MillisBehindLatest) != 0 {
				t.Fatalf("MillisBehindLatest at the tip = %d, want 0", aws.ToInt64(out.MillisBehindLatest))
			}
			done = true
		}
	}
	if !done || len(got) != want {
		t.Fatalf("read %d records (reached the tip: %v), want %d", len(got), done, want)
	}
	return got
}

func iteratorFor(t *testing.T, ctx context.Context, c *kinesis.Client, in *kinesis.GetShardIteratorInput) *string {
	t.Helper()
	out, err := c.GetShardIterator(ctx, in)
	if err != nil {
		t.Fatalf("GetShardIterator(%s %s): %v", in.ShardIteratorType, aws.ToString(in.ShardId), err)
	}
	if aws.ToString(out.ShardIterator) == "" {
		t.Fatalf("GetShardIterator returned no iterator")
	}
	return out.ShardIterator
}

func TestPutRecordsGetRecordsRoundTrip(t *testing.T) {
	c := newClient(t)
	ctx := ctxFor(t)
	name := createStream(t, ctx, c, "records", 3)

	ls, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	if len(ls.Shards) != 3 {
		t.Fatalf("ListShards: %d shards, want 3", len(ls.Shards))
	}

	// 60 records: every third one pinned to a shard by ExplicitHashKey, the rest by MD5(key).
	var entries []types.PutRecordsRequestEntry
	var sent []sentRecord
	for i := 0; i < 60; i++ {
		key := fmt.Sprintf("pk-%d", i%13)
		data := []byte(fmt.Sprintf("record %d \x00\xff binary", i))
		e := types.PutRecordsRequestEntry{PartitionKey: aws.String(key), Data: data}
		var want string
		if i%3 == 0 {
			target := ls.Shards[(i/3)%3]
			e.ExplicitHashKey = target.HashKeyRange.StartingHashKey
			want = aws.ToString(target.ShardId)
		} else {
			sum := md5.Sum([]byte(key))
			want = shardForHash(t, ls.Shards, new(big.Int).SetBytes(sum[:]))
		}
		entries = append(entries, e)
		sent = append(sent, sentRecord{key: key, data: data, shardID: want})
	}
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
	if err != nil {
		t.Fatalf("PutRecords: %v", err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != len(entries) {
		t.Fatalf("PutRecords: FailedRecordCount %d, %d results for %d entries", aws.ToInt32(out.FailedRecordCount), len(out.Records), len(entries))
	}
	for i, r := range out.Records {
		if r.ErrorCode != nil {
			t.Fatalf("entry %d failed: %s %s", i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
		}
		if got := aws.ToString(r.ShardId); got != sent[i].shardID {
			t.Fatalf("entry %d (key %s) went to %s, want %s", i, sent[i].key, got, sent[i].shardID)
		}
		sent[i].seq = aws.ToString(r.SequenceNumber)
		bigInt(t, sent[i].seq)
	}

	// Read every shard back from TRIM_HORIZON: same records, same per-shard order.
	perShard := map[string][]sentRecord{}
	for _, s := range sent {
		perShard[s.shardID] = append(perShard[s.shardID], s)
	}
	for _, sh := range ls.Shards {
		id := aws.ToString(sh.ShardId)
		want := perShard[id]
		it := iteratorFor(t, ctx, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		got := readShard(t, ctx, c, it, len(want))
		var prev *big.Int
		for i, r := range got {
			if aws.ToString(r.SequenceNumber) != want[i].seq || aws.ToString(r.PartitionKey) != want[i].key || !bytes.Equal(r.Data, want[i].data) {
				t.Fatalf("shard %s record %d: got (%s, %s, %q), want (%s, %s, %q)", id, i,
					aws.ToString(r.SequenceNumber), aws.ToString(r.PartitionKey), r.Data, want[i].seq, want[i].key, want[i].data)
			}
			seq := bigInt(t, aws.ToString(r.SequenceNumber))
			if prev != nil && seq.Cmp(prev) <= 0 {
				t.Fatalf("shard %s: sequence numbers not increasing: %s after %s", id, seq, prev)
			}
			prev = seq
			if r.ApproximateArrivalTimestamp == nil || time.Since(*r.ApproximateArrivalTimestamp) > time.Hour {
				t.Fatalf("shard %s record %d: ApproximateArrivalTimestamp %v", id, i, r.ApproximateArrivalTimestamp)
			}
		}
	}

	// Position iterators on a record in the busiest shard.
	busiest := ""
	for id, recs := range perShard {
		if busiest == "" || len(recs) > len(perShard[busiest]) {
			busiest = id
		}
	}
	recs := perShard[busiest]
	mid := len(recs) / 2
	it := iteratorFor(t, ctx, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(busiest),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(recs[mid].seq)})
	if got := readShard(t, ctx, c, it, len(recs)-mid); aws.ToString(got[0].SequenceNumber) != recs[mid].seq {
		t.Fatalf("AT_SEQUENCE_NUMBER started at %s, want %s", aws.ToString(got[0].SequenceNumber), recs[mid].seq)
	}
	it = iteratorFor(t, ctx, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(busiest),
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: aws.String(recs[mid].seq)})
	if got := readShard(t, ctx, c, it, len(recs)-mid-1); len(got) > 0 && aws.ToString(got[0].SequenceNumber) != recs[mid+1].seq {
		t.Fatalf("AFTER_SEQUENCE_NUMBER started at %s, want %s", aws.ToString(got[0].SequenceNumber), recs[mid+1].seq)
	}
	it = iteratorFor(t, ctx, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(busiest),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(-time.Hour))})
	if got := readShard(t, ctx, c, it, len(recs)); aws.ToString(got[0].SequenceNumber) != recs[0].seq {
		t.Fatalf("AT_TIMESTAMP (an hour ago) started at %s, want %s", aws.ToString(got[0].SequenceNumber), recs[0].seq)
	}

	// LATEST sees only what comes after it; PutRecord with SequenceNumberForOrdering orders after.
	latest := iteratorFor(t, ctx, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(busiest), ShardIteratorType: types.ShardIteratorTypeLatest})
	hashKey := ""
	for _, sh := range ls.Shards {
		if aws.ToString(sh.ShardId) == busiest {
			hashKey = aws.ToString(sh.HashKeyRange.StartingHashKey)
		}
	}
	last := recs[len(recs)-1].seq
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("late"), ExplicitHashKey: aws.String(hashKey),
		Data: []byte("after latest"), SequenceNumberForOrdering: aws.String(last)})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	if aws.ToString(put.ShardId) != busiest || bigInt(t, aws.ToString(put.SequenceNumber)).Cmp(bigInt(t, last)) <= 0 {
		t.Fatalf("PutRecord: shard %s seq %s, want shard %s and seq > %s", aws.ToString(put.ShardId), aws.ToString(put.SequenceNumber), busiest, last)
	}
	got := readShard(t, ctx, c, latest, 1)
	if aws.ToString(got[0].SequenceNumber) != aws.ToString(put.SequenceNumber) || string(got[0].Data) != "after latest" {
		t.Fatalf("LATEST read %s %q", aws.ToString(got[0].SequenceNumber), got[0].Data)
	}
}

func TestErrorsFromMissingStream(t *testing.T) {
	c := newClient(t)
	ctx := ctxFor(t)
	missing := uniqueName("missing")
	_, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(missing),
		Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}})
	expectCode(t, "PutRecords", err, "ResourceNotFoundException")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("PutRecords error is not a *types.ResourceNotFoundException: %T", err)
	}
	want := fmt.Sprintf("Stream %s under account %s not found.", missing, accountID)
	if nf.ErrorMessage() != want {
		t.Fatalf("message %q, want %q", nf.ErrorMessage(), want)
	}
	_, err = c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(missing)})
	expectCode(t, "DescribeStreamSummary", err, "ResourceNotFoundException")

	name := createStream(t, ctx, c, "dup", 1)
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	expectCode(t, "CreateStream", err, "ResourceInUseException")
	_, err = c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String("shardId-000000000099"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	expectCode(t, "GetShardIterator", err, "ResourceNotFoundException")
}
