package kinesintests

// Replays the calls terraform-provider-aws makes for an aws_kinesis_stream resource
// (internal/service/kinesis/stream.go): plan-time DescribeLimits, create + waitStreamCreated
// (DescribeStreamSummary polling with CREATING pending), IncreaseStreamRetentionPeriod right after
// create (terraform always sends retention_period, default 24), shard-level metrics, KMS
// encryption, then the update order stream mode -> shard count -> retention -> metrics ->
// encryption -> max record size, each followed by waitStreamUpdated, tags through
// Add/RemoveTagsToStream, and delete with EnforceConsumerDeletion + waitStreamDeleted.

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const kmsKey = "alias/aws/kinesis"

func TestTerraformProvisionedStreamLifecycle(t *testing.T) {
	c := newClient(t)
	ctx := ctxFor(t)
	name := uniqueName("tf-prov")
	arn := streamARN(name)

	// CustomizeDiff: DescribeLimits, errors ignored by terraform, but a served answer must add up.
	var openBefore int32
	t.Run("DescribeLimits", func(t *testing.T) {
		out, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
		must(t, "DescribeLimits", err)
		if out.ShardLimit == nil || out.OpenShardCount == nil || out.OnDemandStreamCountLimit == nil || out.OnDemandStreamCount == nil {
			t.Fatalf("DescribeLimits left out a field: %+v", out)
		}
		if *out.ShardLimit < 4 || *out.OpenShardCount > *out.ShardLimit {
			t.Fatalf("DescribeLimits: ShardLimit %d, OpenShardCount %d", *out.ShardLimit, *out.OpenShardCount)
		}
		openBefore = *out.OpenShardCount
	})

	tags := map[string]string{"Environment": "test", "Name": name}
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName:        aws.String(name),
		ShardCount:        aws.Int32(2),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned},
		Tags:              tags,
	})
	if err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	cleanupStream(t, c, name)

	s := waitCreated(t, ctx, c, name)
	waitExists(t, ctx, c, name) // the SDK waiter agrees
	if got := aws.ToString(s.StreamARN); got != arn {
		t.Fatalf("StreamARN = %q, want %q", got, arn)
	}
	if aws.ToString(s.StreamName) != name || aws.ToInt32(s.OpenShardCount) != 2 || aws.ToInt32(s.RetentionPeriodHours) != 24 {
		t.Fatalf("summary after create: name %q, open shards %d, retention %d", aws.ToString(s.StreamName), aws.ToInt32(s.OpenShardCount), aws.ToInt32(s.RetentionPeriodHours))
	}
	if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
		t.Fatalf("StreamModeDetails = %+v, want PROVISIONED", s.StreamModeDetails)
	}
	if s.EncryptionType != types.EncryptionTypeNone && s.EncryptionType != "" {
		t.Fatalf("new stream EncryptionType = %q, want NONE", s.EncryptionType)
	}
	if s.StreamCreationTimestamp == nil || time.Since(*s.StreamCreationTimestamp) > time.Hour || time.Until(*s.StreamCreationTimestamp) > time.Hour {
		t.Fatalf("StreamCreationTimestamp = %v, not about now", s.StreamCreationTimestamp)
	}

	t.Run("TagsFromCreate", func(t *testing.T) {
		out, err := c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String(name)})
		must(t, "ListTagsForStream", err)
		if got := tagMap(out.Tags); !maps.Equal(got, tags) {
			t.Fatalf("tags = %v, want %v", got, tags)
		}
		if aws.ToBool(out.HasMoreTags) {
			t.Fatalf("HasMoreTags = true with %d tags", len(out.Tags))
		}
	})

	t.Run("DescribeLimitsCountsNewShards", func(t *testing.T) {
		out, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
		must(t, "DescribeLimits", err)
		// Other tests run in sequence, not in parallel, so the count moved by exactly our 2 shards.
		if got := aws.ToInt32(out.OpenShardCount); got != openBefore+2 {
			t.Fatalf("OpenShardCount = %d, want %d", got, openBefore+2)
		}
	})

	t.Run("IncreaseRetentionOnCreate", func(t *testing.T) {
		_, err := c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(48)})
		must(t, "IncreaseStreamRetentionPeriod", err)
		if got := aws.ToInt32(waitUpdated(t, ctx, c, name).RetentionPeriodHours); got != 48 {
			t.Fatalf("RetentionPeriodHours = %d, want 48", got)
		}
	})

	t.Run("EnableEnhancedMonitoringOnCreate", func(t *testing.T) {
		out, err := c.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{
			StreamName:        aws.String(name),
			ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes, types.MetricsNameOutgoingBytes},
		})
		must(t, "EnableEnhancedMonitoring", err)
		if aws.ToString(out.StreamName) != name || len(out.CurrentShardLevelMetrics) != 0 || len(out.DesiredShardLevelMetrics) != 2 {
			t.Fatalf("EnableEnhancedMonitoring output: name %q current %v desired %v", aws.ToString(out.StreamName), out.CurrentShardLevelMetrics, out.DesiredShardLevelMetrics)
		}
		got := metricSet(waitUpdated(t, ctx, c, name))
		if len(got) != 2 || !got[types.MetricsNameIncomingBytes] || !got[types.MetricsNameOutgoingBytes] {
			t.Fatalf("EnhancedMonitoring = %v, want IncomingBytes+OutgoingBytes", got)
		}
	})

	t.Run("StartStreamEncryptionOnCreate", func(t *testing.T) {
		_, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{
			StreamName: aws.String(name), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(kmsKey),
		})
		must(t, "StartStreamEncryption", err)
		s := waitUpdated(t, ctx, c, name)
		if s.EncryptionType != types.EncryptionTypeKms || aws.ToString(s.KeyId) != kmsKey {
			t.Fatalf("after StartStreamEncryption: EncryptionType %q KeyId %q", s.EncryptionType, aws.ToString(s.KeyId))
		}
	})

	// terraform apply #2: stream mode first, then the rest in stream.go's order.
	t.Run("UpdateStreamModeToOnDemandAndBack", func(t *testing.T) {
		_, err := c.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{
			StreamARN: aws.String(arn), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
		})
		must(t, "UpdateStreamMode", err)
		s := waitUpdated(t, ctx, c, name)
		if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
			t.Fatalf("StreamModeDetails = %+v, want ON_DEMAND", s.StreamModeDetails)
		}
		_, err = c.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{
			StreamARN: aws.String(arn), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned},
		})
		must(t, "UpdateStreamMode", err)
		s = waitUpdated(t, ctx, c, name)
		if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
			t.Fatalf("StreamModeDetails = %+v, want PROVISIONED", s.StreamModeDetails)
		}
	})

	t.Run("UpdateShardCount", func(t *testing.T) {
		before := aws.ToInt32(mustSummary(t, ctx, c, name).OpenShardCount)
		out, err := c.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
			StreamName: aws.String(name), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling,
		})
		must(t, "UpdateShardCount", err)
		if aws.ToInt32(out.CurrentShardCount) != before || aws.ToInt32(out.TargetShardCount) != 4 || aws.ToString(out.StreamName) != name {
			t.Fatalf("UpdateShardCount output: current %d (want %d) target %d name %q", aws.ToInt32(out.CurrentShardCount), before, aws.ToInt32(out.TargetShardCount), aws.ToString(out.StreamName))
		}
		if got := aws.ToInt32(waitUpdated(t, ctx, c, name).OpenShardCount); got != 4 {
			t.Fatalf("OpenShardCount = %d, want 4", got)
		}
		shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
		must(t, "ListShards", err)
		if len(shards.Shards) != 4 {
			t.Fatalf("ListShards AT_LATEST returned %d shards, want 4", len(shards.Shards))
		}
	})

	t.Run("DecreaseRetention", func(t *testing.T) {
		_, err := c.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(24)})
		must(t, "DecreaseStreamRetentionPeriod", err)
		if got := aws.ToInt32(waitUpdated(t, ctx, c, name).RetentionPeriodHours); got != 24 {
			t.Fatalf("RetentionPeriodHours = %d, want 24", got)
		}
		// Decreasing to a longer period is refused.
		_, err = c.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(72)})
		expectCode(t, "DecreaseStreamRetentionPeriod", err, "InvalidArgumentException")
	})

	t.Run("DisableEnhancedMonitoring", func(t *testing.T) {
		if len(metricSet(mustSummary(t, ctx, c, name))) == 0 {
			t.Skip("EnableEnhancedMonitoring did not run (see its subtest)")
		}
		out, err := c.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{
			StreamName: aws.String(name), ShardLevelMetrics: []types.MetricsName{types.MetricsNameOutgoingBytes},
		})
		must(t, "DisableEnhancedMonitoring", err)
		if len(out.CurrentShardLevelMetrics) != 2 || len(out.DesiredShardLevelMetrics) != 1 || out.DesiredShardLevelMetrics[0] != types.MetricsNameIncomingBytes {
			t.Fatalf("DisableEnhancedMonitoring output: current %v desired %v", out.CurrentShardLevelMetrics, out.DesiredShardLevelMetrics)
		}
		got := metricSet(waitUpdated(t, ctx, c, name))
		if len(got) != 1 || !got[types.MetricsNameIncomingBytes] {
			t.Fatalf("EnhancedMonitoring = %v, want only IncomingBytes", got)
		}
	})

	t.Run("StopStreamEncryption", func(t *testing.T) {
		if mustSummary(t, ctx, c, name).EncryptionType != types.EncryptionTypeKms {
			t.Skip("StartStreamEncryption did not run (see its subtest)")
		}
		// terraform sends the old type and key when encryption_type goes to NONE.
		_, err := c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{
			StreamName: aws.String(name), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(kmsKey),
		})
		must(t, "StopStreamEncryption", err)
		s := waitUpdated(t, ctx, c, name)
		if s.EncryptionType != types.EncryptionTypeNone {
			t.Fatalf("after StopStreamEncryption: EncryptionType %q, want NONE", s.EncryptionType)
		}
	})

	t.Run("StopStreamEncryptionOnUnencryptedStream", func(t *testing.T) {
		// Re-apply with encryption_type NONE on a stream that is not encrypted: terraform
		// calls StopStreamEncryption again and waits; the stream must stay usable and unencrypted.
		s := mustSummary(t, ctx, c, name)
		if s.EncryptionType == types.EncryptionTypeKms {
			t.Fatalf("stream is still encrypted before this step")
		}
		_, err := c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{
			StreamName: aws.String(name), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(kmsKey),
		})
		must(t, "StopStreamEncryption", err)
		s = waitUpdated(t, ctx, c, name)
		if s.EncryptionType != types.EncryptionTypeNone && s.EncryptionType != "" {
			t.Fatalf("EncryptionType = %q, want NONE", s.EncryptionType)
		}
	})

	t.Run("UpdateMaxRecordSize", func(t *testing.T) {
		_, err := c.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(2048)})
		must(t, "UpdateMaxRecordSize", err)
		if got := aws.ToInt32(waitUpdated(t, ctx, c, name).MaxRecordSizeInKiB); got != 2048 {
			t.Fatalf("MaxRecordSizeInKiB = %d, want 2048", got)
		}
	})

	t.Run("UpdateTags", func(t *testing.T) {
		// tags {Environment=test, Name=...} -> {Name=..., Team=data, Owner=me}: removals first.
		_, err := c.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String(name), TagKeys: []string{"Environment"}})
		must(t, "RemoveTagsFromStream", err)
		_, err = c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String(name), Tags: map[string]string{"Team": "data", "Owner": "me"}})
		must(t, "AddTagsToStream", err)
		out, err := c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String(name)})
		must(t, "ListTagsForStream", err)
		want := map[string]string{"Name": name, "Team": "data", "Owner": "me"}
		if got := tagMap(out.Tags); !maps.Equal(got, want) {
			t.Fatalf("tags = %v, want %v", got, want)
		}
		// Paging as the API allows: Limit 1 then ExclusiveStartTagKey.
		page, err := c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String(name), Limit: aws.Int32(1)})
		must(t, "ListTagsForStream", err)
		if len(page.Tags) != 1 || !aws.ToBool(page.HasMoreTags) {
			t.Fatalf("Limit 1: %d tags, HasMoreTags %v", len(page.Tags), aws.ToBool(page.HasMoreTags))
		}
		seen := map[string]string{}
		for i := 0; i < 10; i++ {
			for k, v := range tagMap(page.Tags) {
				seen[k] = v
			}
			if !aws.ToBool(page.HasMoreTags) {
				break
			}
			page, err = c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{
				StreamName: aws.String(name), Limit: aws.Int32(1), ExclusiveStartTagKey: page.Tags[len(page.Tags)-1].Key,
			})
			must(t, "ListTagsForStream", err)
		}
		if !maps.Equal(seen, want) {
			t.Fatalf("paged tags = %v, want %v", seen, want)
		}
	})

	t.Run("TagsForResource", func(t *testing.T) {
		out, err := c.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		must(t, "ListTagsForResource", err)
		want := tagMap(mustListTags(t, ctx, c, name))
		if got := tagMap(out.Tags); !maps.Equal(got, want) {
			t.Fatalf("ListTagsForResource = %v, ListTagsForStream = %v", got, want)
		}
		_, err = c.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"ViaArn": "yes"}})
		must(t, "TagResource", err)
		if got := tagMap(mustListTags(t, ctx, c, name)); got["ViaArn"] != "yes" {
			t.Fatalf("after TagResource: %v", got)
		}
		_, err = c.UntagResource(ctx, &kinesis.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"ViaArn"}})
		must(t, "UntagResource", err)
		if got := tagMap(mustListTags(t, ctx, c, name)); !maps.Equal(got, want) {
			t.Fatalf("after UntagResource: %v, want %v", got, want)
		}
	})

	// aws_kinesis_stream_consumer: RegisterStreamConsumer + DescribeStreamConsumer until ACTIVE.
	consumerARN := ""
	t.Run("RegisterStreamConsumer", func(t *testing.T) {
		out, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("tf-consumer")})
		must(t, "RegisterStreamConsumer", err)
		if out.Consumer == nil || aws.ToString(out.Consumer.ConsumerName) != "tf-consumer" {
			t.Fatalf("RegisterStreamConsumer output: %+v", out.Consumer)
		}
		consumerARN = aws.ToString(out.Consumer.ConsumerARN)
		if !strings.HasPrefix(consumerARN, arn+"/consumer/tf-consumer:") {
			t.Fatalf("ConsumerARN = %q, want prefix %q", consumerARN, arn+"/consumer/tf-consumer:")
		}
		deadline := time.Now().Add(waitLimit)
		for {
			d, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
			must(t, "DescribeStreamConsumer", err)
			desc := d.ConsumerDescription
			if desc == nil || aws.ToString(desc.StreamARN) != arn || aws.ToString(desc.ConsumerARN) != consumerARN {
				t.Fatalf("DescribeStreamConsumer: %+v", desc)
			}
			if desc.ConsumerStatus == types.ConsumerStatusActive {
				break
			}
			if desc.ConsumerStatus != types.ConsumerStatusCreating || time.Now().After(deadline) {
				t.Fatalf("consumer status %q, want CREATING then ACTIVE", desc.ConsumerStatus)
			}
			time.Sleep(pollEvery)
		}
		list, err := c.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: aws.String(arn)})
		must(t, "ListStreamConsumers", err)
		if len(list.Consumers) != 1 || aws.ToString(list.Consumers[0].ConsumerARN) != consumerARN {
			t.Fatalf("ListStreamConsumers = %+v", list.Consumers)
		}
		if got := aws.ToInt32(mustSummary(t, ctx, c, name).ConsumerCount); got != 1 {
			t.Fatalf("ConsumerCount = %d, want 1", got)
		}
		// Without EnforceConsumerDeletion the stream cannot go while it has consumers.
		_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(false)})
		expectCode(t, "DeleteStream", err, "ResourceInUseException")
	})

	t.Run("DeleteWithEnforceConsumerDeletion", func(t *testing.T) {
		_, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)})
		must(t, "DeleteStream", err)
		waitDeleted(t, ctx, c, name)
		waitNotExists(t, ctx, c, name)
		_, err = c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		expectCode(t, "DescribeStreamSummary", err, "ResourceNotFoundException")
		// terraform's delete treats a second ResourceNotFoundException as done.
		_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)})
		expectCode(t, "DeleteStream", err, "ResourceNotFoundException")
		if consumerARN != "" {
			_, err = c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
			expectCode(t, "DescribeStreamConsumer", err, "ResourceNotFoundException")
		}
	})
}

func TestTerraformOnDemandStreamLifecycle(t *testing.T) {
	c := newClient(t)
	ctx := ctxFor(t)
	name := uniqueName("tf-od")

	var odBefore int32 = -1
	if out, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}); err == nil {
		odBefore = aws.ToInt32(out.OnDemandStreamCount)
	}

	// ON_DEMAND: terraform sends no ShardCount.
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName:        aws.String(name),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
		Tags:              map[string]string{"Mode": "on-demand"},
	})
	if err != nil {
		t.Fatalf("CreateStream ON_DEMAND: %v", err)
	}
	cleanupStream(t, c, name)
	s := waitCreated(t, ctx, c, name)
	waitExists(t, ctx, c, name)
	if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("StreamModeDetails = %+v, want ON_DEMAND", s.StreamModeDetails)
	}
	if aws.ToInt32(s.OpenShardCount) < 1 {
		t.Fatalf("on-demand stream has %d open shards", aws.ToInt32(s.OpenShardCount))
	}
	if got := tagMap(mustListTags(t, ctx, c, name)); !maps.Equal(got, map[string]string{"Mode": "on-demand"}) {
		t.Fatalf("tags = %v", got)
	}

	if odBefore >= 0 {
		out, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
		if err != nil {
			t.Fatalf("DescribeLimits: %v", err)
		}
		if got := aws.ToInt32(out.OnDemandStreamCount); got != odBefore+1 {
			t.Fatalf("OnDemandStreamCount = %d, want %d", got, odBefore+1)
		}
	}

	// terraform's default retention_period is 24, and create always calls
	// IncreaseStreamRetentionPeriod with it: raising to the current value must succeed.
	_, err = c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(24)})
	if err != nil {
		t.Fatalf("IncreaseStreamRetentionPeriod(24) on a 24 h stream: %v", err)
	}
	if got := aws.ToInt32(waitUpdated(t, ctx, c, name).RetentionPeriodHours); got != 24 {
		t.Fatalf("RetentionPeriodHours = %d, want 24", got)
	}
	// And increasing to a shorter period is refused.
	_, err = c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(12)})
	if code := errorCode(err); code != "InvalidArgumentException" && code != "ValidationException" {
		t.Fatalf("IncreaseStreamRetentionPeriod(12): expected InvalidArgumentException or ValidationException, got %v", err)
	}

	// Records go to an on-demand stream like any other.
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("pk"), Data: []byte("on-demand")})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	if aws.ToString(put.ShardId) == "" || aws.ToString(put.SequenceNumber) == "" {
		t.Fatalf("PutRecord output: %+v", put)
	}

	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(false)})
	if err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	waitDeleted(t, ctx, c, name)
	waitNotExists(t, ctx, c, name)
	list, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	for _, n := range list.StreamNames {
		if n == name {
			t.Fatalf("deleted stream %s still listed", name)
		}
	}
}

func mustListTags(t *testing.T, ctx context.Context, c *kinesis.Client, name string) []types.Tag {
	t.Helper()
	out, err := c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("ListTagsForStream(%s): %v", name, err)
	}
	return out.Tags
}
