#!/usr/bin/env python3
"""Layer-level arithmetic for perf/run-delta-benchmarks.sh: what a site holding one OCI layout
lacks to hold another, and the least that must cross the gap for it.

    layout-delta.py PREV NEW      prints shell assignments (eval them):
      CHANGED_TAGS   tags of NEW whose manifest digest differs from PREV's (or that PREV lacks)
      MISSING_COUNT  manifests, configs and layers reachable from NEW but not from PREV
      MISSING_LAYER_BYTES, MISSING_JSON_BYTES, MISSING_JSON_ZSTD_BYTES
      STATEMENT_MIN_BYTES, MIN_BYTES (the layer-level minimum, defined in perf/README.md)
    layout-delta.py --blobs NEW   prints every digest reachable from NEW, one a line

Only the standard library and the zstd CLI (to size the JSON documents at -19).
"""

import json
import os
import subprocess
import sys

REF_NAME = "org.opencontainers.image.ref.name"
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
# Per missing entry: a 32-byte sha256, an 8-byte size, a 1-byte kind; per tag update the name
# and a 32-byte digest; one Ed25519 signature of 64 bytes. Nothing smaller names what arrives.
ENTRY_MIN = 32 + 8 + 1
DIGEST_MIN = 32
SIGNATURE_MIN = 64


def blob_path(layout, digest):
    algo, hexpart = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexpart)


def walk(layout):
    """Returns (tags: name -> manifest digest, reachable: digest -> (kind, size, json?))."""
    with open(os.path.join(layout, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    tags = {}
    reachable = {}
    todo = []
    for d in index.get("manifests", []):
        name = d.get("annotations", {}).get(REF_NAME)
        if name:
            tags[name] = d["digest"]
        todo.append(d)
    while todo:
        d = todo.pop()
        digest = d["digest"]
        if digest in reachable:
            continue
        reachable[digest] = ("manifest", d["size"], True)
        with open(blob_path(layout, digest), "rb") as f:
            doc = json.load(f)
        if d.get("mediaType") in INDEX_TYPES or doc.get("mediaType") in INDEX_TYPES:
            todo.extend(doc.get("manifests", []))
            continue
        config = doc["config"]
        reachable.setdefault(config["digest"], ("config", config["size"], True))
        for layer in doc.get("layers", []):
            reachable.setdefault(layer["digest"], ("layer", layer["size"], False))
    return tags, reachable


def zstd19(path):
    out = subprocess.run(["zstd", "-19", "-q", "-c", path], check=True, capture_output=True)
    return len(out.stdout)


def main(argv):
    if len(argv) == 3 and argv[1] == "--blobs":
        for digest in sorted(walk(argv[2])[1]):
            print(digest)
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    prev, new = argv[1], argv[2]
    prev_tags, prev_blobs = walk(prev)
    new_tags, new_blobs = walk(new)
    changed = sorted(t for t, d in new_tags.items() if prev_tags.get(t) != d)
    missing = {d: v for d, v in new_blobs.items() if d not in prev_blobs}
    layer_bytes = sum(size for kind, size, is_json in missing.values() if not is_json)
    json_bytes = sum(size for kind, size, is_json in missing.values() if is_json)
    # Each JSON document compressed alone, or as is when that is smaller.
    json_zstd = sum(
        min(size, zstd19(blob_path(new, d))) for d, (kind, size, is_json) in missing.items() if is_json
    )
    statement = (
        ENTRY_MIN * len(missing)
        + sum(len(t.encode("utf-8")) + DIGEST_MIN for t in changed)
        + SIGNATURE_MIN
    )
    values = {
        "CHANGED_TAGS": " ".join(changed),
        "CHANGED_COUNT": len(changed),
        "TAG_COUNT": len(new_tags),
        "MISSING_COUNT": len(missing),
        "MISSING_LAYERS": sum(1 for v in missing.values() if v[0] == "layer"),
        "MISSING_LAYER_BYTES": layer_bytes,
        "MISSING_JSON_BYTES": json_bytes,
        "MISSING_JSON_ZSTD_BYTES": json_zstd,
        "STATEMENT_MIN_BYTES": statement,
        "MIN_BYTES": layer_bytes + json_zstd + statement,
    }
    for k, v in values.items():
        print(f"{k}='{v}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
