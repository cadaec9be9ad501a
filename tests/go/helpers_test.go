// Package kinesintests drives a running kinesin with the AWS SDK for Go v2.
//
// The endpoint comes from KINESIN_ENDPOINT (e.g. http://127.0.0.1:4566); without it every test
// is skipped. scripts/client-tests.sh builds kinesin, starts it and sets the variable.
package kinesintests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

const (
	region    = "us-east-1"
	accountID = "000000000000"
	// Upper bound for every polling loop (waiters and hand-written ones alike).
	waitLimit = 60 * time.Second
	pollEvery = 50 * time.Millisecond
)

var nameCounter atomic.Int64

// newClient returns a Kinesis client aimed at KINESIN_ENDPOINT, or skips the test.
func newClient(t *testing.T) *kinesis.Client {
	t.Helper()
	endpoint := os.Getenv("KINESIN_ENDPOINT")
	if endpoint == "" {
		t.Skip("KINESIN_ENDPOINT is not set; start kinesin (scripts/client-tests.sh does) to run these tests")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDKINESINTEST", "kinesin-secret", "")),
	)
	if err != nil {
		t.Fatalf("loading SDK config: %v", err)
	}
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// uniqueName gives each test its own stream name, so tests never see each other's streams.
func uniqueName(prefix string) string {
	return fmt.Sprintf("go-%s-%d-%d", prefix, time.Now().UnixNano()%1_000_000_000, nameCounter.Add(1))
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// skipIfUnknown skips the (sub)test when kinesin answers that it does not implement op yet.
func skipIfUnknown(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil && errorCode(err) == "UnknownOperationException" {
		t.Skipf("kinesin does not implement %s yet (UnknownOperationException)", op)
	}
}

// must fails the test on an error, skipping instead when the operation is not implemented.
func must(t *testing.T, op string, err error) {
	t.Helper()
	skipIfUnknown(t, op, err)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func expectCode(t *testing.T, op string, err error, code string) {
	t.Helper()
	skipIfUnknown(t, op, err)
	if err == nil {
		t.Fatalf("%s: expected %s, got success", op, code)
	}
	if got := errorCode(err); got != code {
		t.Fatalf("%s: expected %s, got %q (%v)", op, code, got, err)
	}
}

func summary(ctx context.Context, c *kinesis.Client, name string) (*types.StreamDescriptionSummary, error) {
	out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if out.StreamDescriptionSummary == nil {
		return nil, errors.New("DescribeStreamSummary returned no StreamDescriptionSummary")
	}
	return out.StreamDescriptionSummary, nil
}

func mustSummary(t *testing.T, ctx context.Context, c *kinesis.Client, name string) *types.StreamDescriptionSummary {
	t.Helper()
	s, err := summary(ctx, c, name)
	if err != nil {
		t.Fatalf("DescribeStreamSummary(%s): %v", name, err)
	}
	return s
}

// waitStatus replays terraform's StateChangeConf over DescribeStreamSummary: any status outside
// pending and target is an error; with an empty target a ResourceNotFoundException ends the wait
// (terraform's waitStreamDeleted), otherwise not-found is polled through like terraform does.
func waitStatus(t *testing.T, ctx context.Context, c *kinesis.Client, name string, pending []types.StreamStatus, target []types.StreamStatus) *types.StreamDescriptionSummary {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	last := "<none>"
	for time.Now().Before(deadline) {
		s, err := summary(ctx, c, name)
		switch {
		case errorCode(err) == "ResourceNotFoundException":
			if len(target) == 0 {
				return nil
			}
			last = "not found"
		case err != nil:
			t.Fatalf("waiting for %s: DescribeStreamSummary: %v", name, err)
		default:
			last = string(s.StreamStatus)
			for _, st := range target {
				if s.StreamStatus == st {
					return s
				}
			}
			ok := false
			for _, st := range pending {
				if s.StreamStatus == st {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("waiting for %s: unexpected state %q, wanted %v (pending %v)", name, s.StreamStatus, target, pending)
			}
		}
		time.Sleep(pollEvery)
	}
	t.Fatalf("waiting for %s: still %s after %s (wanted %v)", name, last, waitLimit, target)
	return nil
}

func waitCreated(t *testing.T, ctx context.Context, c *kinesis.Client, name string) *types.StreamDescriptionSummary {
	t.Helper()
	return waitStatus(t, ctx, c, name, []types.StreamStatus{types.StreamStatusCreating}, []types.StreamStatus{types.StreamStatusActive})
}

func waitUpdated(t *testing.T, ctx context.Context, c *kinesis.Client, name string) *types.StreamDescriptionSummary {
	t.Helper()
	return waitStatus(t, ctx, c, name, []types.StreamStatus{types.StreamStatusUpdating}, []types.StreamStatus{types.StreamStatusActive})
}

func waitDeleted(t *testing.T, ctx context.Context, c *kinesis.Client, name string) {
	t.Helper()
	waitStatus(t, ctx, c, name, []types.StreamStatus{types.StreamStatusDeleting}, nil)
}

// waitExists uses the SDK's own StreamExistsWaiter (DescribeStream until ACTIVE).
func waitExists(t *testing.T, ctx context.Context, c *kinesis.Client, name string) {
	t.Helper()
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = pollEvery
		o.MaxDelay = 500 * time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, waitLimit); err != nil {
		t.Fatalf("StreamExistsWaiter(%s): %v", name, err)
	}
}

// waitNotExists uses the SDK's own StreamNotExistsWaiter (DescribeStream until not found).
func waitNotExists(t *testing.T, ctx context.Context, c *kinesis.Client, name string) {
	t.Helper()
	w := kinesis.NewStreamNotExistsWaiter(c, func(o *kinesis.StreamNotExistsWaiterOptions) {
		o.MinDelay = pollEvery
		o.MaxDelay = 500 * time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, waitLimit); err != nil {
		t.Fatalf("StreamNotExistsWaiter(%s): %v", name, err)
	}
}

// createStream creates a provisioned stream, waits until it is ACTIVE and deletes it at cleanup.
func createStream(t *testing.T, ctx context.Context, c *kinesis.Client, prefix string, shards int32) string {
	t.Helper()
	name := uniqueName(prefix)
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)})
	if err != nil {
		t.Fatalf("CreateStream(%s): %v", name, err)
	}
	cleanupStream(t, c, name)
	waitExists(t, ctx, c, name)
	return name
}

// cleanupStream deletes the stream when the test ends, ignoring a stream that is already gone.
func cleanupStream(t *testing.T, c *kinesis.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)})
		if err != nil && errorCode(err) != "ResourceNotFoundException" {
			t.Logf("cleanup: DeleteStream(%s): %v", name, err)
			return
		}
		// Wait until it is gone, so later tests see settled shard and stream counts.
		w := kinesis.NewStreamNotExistsWaiter(c, func(o *kinesis.StreamNotExistsWaiterOptions) {
			o.MinDelay = pollEvery
			o.MaxDelay = 500 * time.Millisecond
		})
		if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 25*time.Second); err != nil {
			t.Logf("cleanup: stream %s not deleted: %v", name, err)
		}
	})
}

func streamARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", region, accountID, name)
}

func metricSet(s *types.StreamDescriptionSummary) map[types.MetricsName]bool {
	m := map[types.MetricsName]bool{}
	for _, em := range s.EnhancedMonitoring {
		for _, n := range em.ShardLevelMetrics {
			m[n] = true
		}
	}
	return m
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, tg := range tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}
