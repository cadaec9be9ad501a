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
            "kinesisanalytics": "2015-08-14", "kinesisanalyticsv2": "2018-05-23", "sts": "2011-06-15"}
DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage", "contextParam"}

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

def main():
    base = os.path.join(os.path.dirname(botocore.__file__), "data")
    out_dir = os.path.join(os.path.dirname(__file__), "..", "crates", "protocol", "models")
    for svc, ver in SERVICES.items():
        path = os.path.join(base, svc, ver, "service-2.json")
        model = json.load(gzip.open(path + ".gz")) if not os.path.exists(path) else json.load(open(path))
        slim = {
            "botocore": botocore.__version__,
            "metadata": strip(model["metadata"]),
            "operations": {n: strip({k: v for k, v in op.items() if k in ("name", "http", "input", "output", "errors")})
                           for n, op in model["operations"].items()},
            "shapes": strip(model["shapes"]),
        }
        with open(os.path.join(out_dir, f"{svc}.json"), "w") as f:
            json.dump(slim, f, separators=(",", ":"))
            f.write("\n")
        print(svc, ver, len(model["operations"]), "operations")

if __name__ == "__main__":
    main()
