#!/usr/bin/env python3
"""Copy the botocore service models kinesin embeds, without their documentation.

Usage: scripts/strip-models.py   (rewrites crates/protocol/models/*.json)
The botocore model is the source of truth for shapes, limits, enums and error names.
"""
import gzip
import json
import os

import botocore

SERVICES = {"kinesis": "2013-12-02", "sqs": "2012-11-05", "firehose": "2015-08-04", "pipes": "2015-10-07",
            "kinesisanalytics": "2015-08-14", "kinesisanalyticsv2": "2018-05-23", "sts": "2011-06-15",
            "iam": "2010-05-08", "s3": "2006-03-01"}
# Services kinesin serves a few operations of: only those operations and the shapes they reach.
ONLY = {
    "iam": ["CreateRole", "GetRole", "DeleteRole", "ListRoles", "UpdateRole", "UpdateRoleDescription",
            "UpdateAssumeRolePolicy", "TagRole", "UntagRole", "ListRoleTags", "ListInstanceProfilesForRole",
            "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies", "AttachRolePolicy",
            "DetachRolePolicy", "ListAttachedRolePolicies", "CreatePolicy", "GetPolicy", "DeletePolicy",
            "ListPolicies", "TagPolicy", "UntagPolicy", "ListPolicyTags", "ListEntitiesForPolicy",
            "CreatePolicyVersion", "GetPolicyVersion", "ListPolicyVersions", "DeletePolicyVersion",
            "SetDefaultPolicyVersion"],
    "s3": ["ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket", "GetBucketLocation", "ListObjects",
           "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads", "DeleteObjects", "PutObject", "GetObject",
           "HeadObject", "DeleteObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
           "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "GetBucketTagging", "PutBucketTagging",
           "DeleteBucketTagging", "GetBucketVersioning", "PutBucketVersioning", "GetBucketEncryption",
           "PutBucketEncryption", "DeleteBucketEncryption", "GetPublicAccessBlock", "PutPublicAccessBlock",
           "DeletePublicAccessBlock", "GetBucketOwnershipControls", "PutBucketOwnershipControls",
           "DeleteBucketOwnershipControls", "GetBucketAcl", "PutBucketAcl", "GetBucketPolicy", "PutBucketPolicy",
           "DeleteBucketPolicy", "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration",
           "DeleteBucketLifecycle", "GetBucketCors", "PutBucketCors", "DeleteBucketCors",
           "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration"],
}
DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage", "contextParam"}

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

def reachable(shapes, roots):
    """The names of the shapes `roots` reach (members, list members, map keys and values)."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        refs = list(shape.get("members", {}).values()) + [shape[k] for k in ("member", "key", "value") if k in shape]
        todo.extend(ref["shape"] for ref in refs)
    return seen


def select(model, ops):
    """The model with only operations `ops` (all if None) and the shapes they use."""
    if ops is None:
        return model["operations"], model["shapes"]
    chosen = {n: model["operations"][n] for n in ops}
    roots = [op[k]["shape"] for op in chosen.values() for k in ("input", "output") if k in op]
    roots += [e["shape"] for op in chosen.values() for e in op.get("errors", [])]
    keep = reachable(model["shapes"], roots)
    return chosen, {n: s for n, s in model["shapes"].items() if n in keep}


def main():
    base = os.path.join(os.path.dirname(botocore.__file__), "data")
    out_dir = os.path.join(os.path.dirname(__file__), "..", "crates", "protocol", "models")
    for svc, ver in SERVICES.items():
        path = os.path.join(base, svc, ver, "service-2.json")
        model = json.load(gzip.open(path + ".gz")) if not os.path.exists(path) else json.load(open(path))
        operations, shapes = select(model, ONLY.get(svc))
        slim = {
            "botocore": botocore.__version__,
            "metadata": strip(model["metadata"]),
            "operations": {n: strip({k: v for k, v in op.items() if k in ("name", "http", "input", "output", "errors")})
                           for n, op in operations.items()},
            "shapes": strip(shapes),
        }
        with open(os.path.join(out_dir, f"{svc}.json"), "w") as f:
            json.dump(slim, f, separators=(",", ":"))
            f.write("\n")
        print(svc, ver, len(operations), "operations")

if __name__ == "__main__":
    main()
