package kinesintests

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// newSQSClient returns an SQS client (AWS JSON 1.0) aimed at KINESIN_ENDPOINT, or skips the test.
// The SDK's MD5OfMessageBody validation stays on (its default): a wrong MD5 fails the call.
func newSQSClient(t *testing.T) *sqs.Client {
	t.Helper()
	endpoint := os.Getenv("KINESIN_ENDPOINT")
	if endpoint == "" {
		t.Skip("KINESIN_ENDPOINT is not set; start kinesin (scripts/client-tests.sh does) to run these tests")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDKINESINTEST", "kinesin-secret", "")),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatalf("loading SDK config: %v", err)
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// md5OfMessageAttributes is AWS's MD5 over the attributes sorted by name: for each, the
// length-prefixed name and data type, a transport byte (1 string/number, 2 binary) and the
// length-prefixed value. (The Go SDK checks only the body MD5, so this test checks these.)
func md5OfMessageAttributes(attrs map[string]sqstypes.MessageAttributeValue) string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	lp := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, n := range names {
		v := attrs[n]
		lp([]byte(n))
		lp([]byte(aws.ToString(v.DataType)))
		if v.BinaryValue != nil {
			h.Write([]byte{2})
			lp(v.BinaryValue)
		} else {
			h.Write([]byte{1})
			lp([]byte(aws.ToString(v.StringValue)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

type sqsSent struct {
	group, body, dedup, id string
	seq                    uint64
}

func TestSQSFifoRoundTrip(t *testing.T) {
	c := newSQSClient(t)
	ctx := ctxFor(t)
	name := uniqueName("sqs") + ".fifo"

	created, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(name),
		Attributes: map[string]string{
			"FifoQueue":                 "true",
			"ContentBasedDeduplication": "false",
			"VisibilityTimeout":         "30",
		},
	})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	url := aws.ToString(created.QueueUrl)
	t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}) })
	if want := "/" + accountID + "/" + name; len(url) < len(want) || url[len(url)-len(want):] != want {
		t.Fatalf("QueueUrl %q does not end in %q", url, want)
	}
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Fatalf("GetQueueUrl = %v, %v; want %q", got, err, url)
	}

	// Without a MessageGroupId; without a dedup id on a queue with no content-based dedup.
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("x")})
	if code := errorCode(err); code != "MissingParameter" {
		t.Errorf("SendMessage without MessageGroupId: code %q (%v), want MissingParameter", code, err)
	}
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
	if code := errorCode(err); code != "InvalidParameterValue" {
		t.Errorf("SendMessage without dedup id: code %q (%v), want InvalidParameterValue", code, err)
	}

	// Two batches of interleaved groups, with attributes on every message.
	var sent []sqsSent
	for batch := 0; batch < 2; batch++ {
		var entries []sqstypes.SendMessageBatchRequestEntry
		attrs := map[string]map[string]sqstypes.MessageAttributeValue{}
		for i := 0; i < 6; i++ {
			n := batch*6 + i
			group := fmt.Sprintf("truck-%d", i%3)
			id := fmt.Sprintf("e%d", n)
			attrs[id] = map[string]sqstypes.MessageAttributeValue{
				"truck": {DataType: aws.String("String"), StringValue: aws.String(group + " é <&>")},
				"n":     {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(n))},
				"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 0xff, byte(n)}},
			}
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{
				Id:                     aws.String(id),
				MessageBody:            aws.String(fmt.Sprintf(`{"truck":%q,"n":%d,"note":"café\r\n"}`, group, n)),
				MessageGroupId:         aws.String(group),
				MessageDeduplicationId: aws.String(fmt.Sprintf("dedup-%d", n)),
				MessageAttributes:      attrs[id],
			})
		}
		out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		if err != nil {
			t.Fatalf("SendMessageBatch: %v", err) // includes the SDK's body MD5 check
		}
		if len(out.Failed) != 0 || len(out.Successful) != len(entries) {
			t.Fatalf("SendMessageBatch: %d ok, failed %+v", len(out.Successful), out.Failed)
		}
		byID := map[string]sqstypes.SendMessageBatchResultEntry{}
		for _, r := range out.Successful {
			byID[aws.ToString(r.Id)] = r
		}
		for _, e := range entries {
			r := byID[aws.ToString(e.Id)]
			if got, want := aws.ToString(r.MD5OfMessageAttributes), md5OfMessageAttributes(e.MessageAttributes); got != want {
				t.Errorf("entry %s: MD5OfMessageAttributes %q, want %q", aws.ToString(e.Id), got, want)
			}
			seq, err := strconv.ParseUint(aws.ToString(r.SequenceNumber), 10, 64)
			if err != nil {
				t.Fatalf("entry %s: SequenceNumber %q: %v", aws.ToString(e.Id), aws.ToString(r.SequenceNumber), err)
			}
			if len(sent) > 0 && seq <= sent[len(sent)-1].seq {
				t.Errorf("SequenceNumber %d not above the previous %d", seq, sent[len(sent)-1].seq)
			}
			sent = append(sent, sqsSent{aws.ToString(e.MessageGroupId), aws.ToString(e.MessageBody), aws.ToString(e.MessageDeduplicationId), aws.ToString(r.MessageId), seq})
		}
	}

	// A duplicate within the 5-minute window: accepted, the original MessageId, nothing enqueued.
	dup, err := c.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(url), MessageBody: aws.String("duplicate"),
		MessageGroupId: aws.String("truck-0"), MessageDeduplicationId: aws.String("dedup-0"),
	})
	if err != nil {
		t.Fatalf("duplicate SendMessage: %v", err)
	}
	if aws.ToString(dup.MessageId) != sent[0].id {
		t.Errorf("duplicate got MessageId %q, want the original %q", aws.ToString(dup.MessageId), sent[0].id)
	}

	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	for k, want := range map[string]string{
		"FifoQueue": "true", "ContentBasedDeduplication": "false", "VisibilityTimeout": "30",
		"ApproximateNumberOfMessages": strconv.Itoa(len(sent)),
		"QueueArn":                    "arn:aws:sqs:" + region + ":" + accountID + ":" + name,
	} {
		if attrs.Attributes[k] != want {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], want)
		}
	}

	// Receive everything; per group the order must be the send order. The SDK fails the call
	// on a wrong MD5OfBody; the attribute MD5 is checked here.
	var received []sqstypes.Message
	deadline := time.Now().Add(waitLimit)
	for len(received) < len(sent) && time.Now().Before(deadline) {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		received = append(received, out.Messages...)
		var del []sqstypes.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages[1:] {
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
		if len(del) > 0 {
			dout, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
			if err != nil || len(dout.Failed) != 0 {
				t.Fatalf("DeleteMessageBatch: %v %+v", err, dout)
			}
		}
	}
	if len(received) != len(sent) {
		t.Fatalf("received %d messages, want %d", len(received), len(sent))
	}
	wantByGroup, gotByGroup := map[string][]string{}, map[string][]string{}
	for _, s := range sent {
		wantByGroup[s.group] = append(wantByGroup[s.group], s.body)
	}
	byID := map[string]sqsSent{}
	for _, s := range sent {
		byID[s.id] = s
	}
	for _, m := range received {
		s, ok := byID[aws.ToString(m.MessageId)]
		if !ok {
			t.Fatalf("received unknown message %q", aws.ToString(m.MessageId))
		}
		g := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
		gotByGroup[g] = append(gotByGroup[g], aws.ToString(m.Body))
		if d := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageDeduplicationId)]; d != s.dedup {
			t.Errorf("message %s: MessageDeduplicationId %q, want %q", s.id, d, s.dedup)
		}
		if seq := m.Attributes[string(sqstypes.MessageSystemAttributeNameSequenceNumber)]; seq != strconv.FormatUint(s.seq, 10) {
			t.Errorf("message %s: SequenceNumber %q, want %d", s.id, seq, s.seq)
		}
		if aws.ToString(m.MD5OfBody) != md5Hex(s.body) {
			t.Errorf("message %s: MD5OfBody %q, want %q", s.id, aws.ToString(m.MD5OfBody), md5Hex(s.body))
		}
		if got, want := aws.ToString(m.MD5OfMessageAttributes), md5OfMessageAttributes(m.MessageAttributes); got != want || len(m.MessageAttributes) != 3 {
			t.Errorf("message %s: MD5OfMessageAttributes %q over %d attributes, want %q", s.id, got, len(m.MessageAttributes), want)
		}
	}
	for g, want := range wantByGroup {
		if fmt.Sprint(gotByGroup[g]) != fmt.Sprint(want) {
			t.Errorf("group %s: received %q, want %q", g, gotByGroup[g], want)
		}
	}

	// Dedup still applies after the delete: same MessageId, queue stays empty.
	again, err := c.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(url), MessageBody: aws.String("again"),
		MessageGroupId: aws.String("truck-1"), MessageDeduplicationId: aws.String("dedup-1"),
	})
	if err != nil || aws.ToString(again.MessageId) != sent[1].id {
		t.Errorf("resend of dedup-1 after delete: %v, %v; want MessageId %q", again, err, sent[1].id)
	}
	empty, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || len(empty.Messages) != 0 {
		t.Errorf("queue not empty after the duplicate: %v, %d messages", err, len(empty.Messages))
	}

	// Content-based dedup: the dedup id is the SHA-256 of the body.
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String(url), Attributes: map[string]string{"ContentBasedDeduplication": "true"},
	}); err != nil {
		t.Fatalf("SetQueueAttributes: %v", err)
	}
	a1, err1 := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("same body"), MessageGroupId: aws.String("g")})
	a2, err2 := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("same body"), MessageGroupId: aws.String("g")})
	if err1 != nil || err2 != nil || aws.ToString(a1.MessageId) != aws.ToString(a2.MessageId) {
		t.Errorf("content-based dedup: %v %v, ids %q %q", err1, err2, aws.ToString(a1.MessageId), aws.ToString(a2.MessageId))
	}
	cb, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameMessageDeduplicationId},
	})
	sum := sha256.Sum256([]byte("same body"))
	if err != nil || len(cb.Messages) != 1 || cb.Messages[0].Attributes["MessageDeduplicationId"] != hex.EncodeToString(sum[:]) {
		t.Errorf("content-based dedup receive: %v %+v", err, cb)
	}

	// Legacy error codes through the JSON protocol (x-amzn-query-error).
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("go-does-not-exist-" + name)})
	if code := errorCode(err); code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("GetQueueUrl of a missing queue: code %q (%v)", code, err)
	}
	var qdne *sqstypes.QueueDoesNotExist
	if !errors.As(err, &qdne) {
		t.Errorf("GetQueueUrl of a missing queue: %T is not *types.QueueDoesNotExist", err)
	}
}
