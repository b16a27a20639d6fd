#!/usr/bin/env python3
"""An OCI layout with one big, many-file, multi-layer gzip image for the scale suite.

    build-image.py OUT_DIR --bytes N --files N --layers N --entropy mixed|low [--seed S]

Each layer holds FILES/LAYERS small text files (200..4000 bytes of words: ~3x compressible)
in directories of 1000, plus big 64 MiB files that bring the layer's uncompressed size to
BYTES/LAYERS. Big files are "mixed" (half random bytes, half text, in 1 MiB pieces: gzip -1
leaves them ~0.7x) or "low" (zeros with a line of text per MiB: they gzip to almost nothing,
so a 4 GB image builds in seconds; used where only memory is measured). Layers above the
first overwrite 1% of the files below, white out 1%, make one directory opaque, replace a
file by a directory, and add hard links, so the merge has real work. Tars are written by
Python's tarfile (GNU format), compressed by `gzip -1`, hashed by sha256sum.
"""
import argparse, hashlib, io, json, os, random, subprocess, tarfile

MiB = 1 << 20
BIG = 64 * MiB

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--bytes", type=int, required=True)
p.add_argument("--files", type=int, required=True)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--entropy", choices=["mixed", "low"], default="mixed")
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)

syll = ["ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "ve", "da", "qu", "ix", "zo", "el", "an", "or"]
words = ["".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(3000)]
TEXT = " ".join(rng.choice(words) for _ in range(1_400_000)).encode()[: 8 * MiB]
NOISE = rng.randbytes(16 * MiB)
ZERO = bytes(MiB)


class Content(io.RawIOBase):
    """A big file's bytes, made on read: pieces of NOISE / TEXT / ZERO from seeded offsets."""

    def __init__(self, size, seed):
        self.left, self.r, self.piece = size, random.Random(seed), b""

    def readable(self):
        return True

    def _next_piece(self):
        if a.entropy == "low":
            line = TEXT[self.r.randrange(0, len(TEXT) - 80) :][:80]
            return line + ZERO[len(line) :]
        src = NOISE if self.r.random() < 0.5 else TEXT
        at = self.r.randrange(0, len(src) - MiB)
        return src[at : at + MiB]

    def read(self, n=-1):
        if self.left <= 0:
            return b""
        if not self.piece:
            self.piece = self._next_piece()
        n = min(n if n > 0 else MiB, self.left, len(self.piece))
        out, self.piece = self.piece[:n], self.piece[n:]
        self.left -= n
        return out


def info(name, size=0, kind=tarfile.REGTYPE, mode=0o644, link=""):
    t = tarfile.TarInfo(name)
    t.size, t.type, t.mode, t.mtime, t.linkname = size, kind, mode, 1700000000, link
    t.uname = t.gname = "root"
    return t


def small_name(layer, k):
    return f"d{layer}/{k // 1000:03d}/f{k:06d}.txt"


os.makedirs(os.path.join(a.out, "blobs", "sha256"), exist_ok=True)
per_layer_files = a.files // a.layers
layer_bytes = a.bytes // a.layers
blobs = os.path.join(a.out, "blobs", "sha256")
pending = []
for layer in range(a.layers):
    tar_path = os.path.join(a.out, f"layer{layer}.tar")
    written = 0
    with tarfile.open(tar_path, "w", format=tarfile.GNU_FORMAT) as tf:
        def add_dir(name):
            tf.addfile(info(name, kind=tarfile.DIRTYPE, mode=0o755))

        def add_text(name, size):
            global written
            at = rng.randrange(0, len(TEXT) - size)
            tf.addfile(info(name, size), io.BytesIO(TEXT[at : at + size]))
            written += size

        add_dir(f"d{layer}")
        for k in range(per_layer_files):
            if k % 1000 == 0:
                add_dir(f"d{layer}/{k // 1000:03d}")
            add_text(small_name(layer, k), rng.randint(200, 4000))
        if layer > 0:
            below = rng.randrange(0, layer)
            for k in rng.sample(range(per_layer_files), per_layer_files // 100):
                add_text(small_name(below, k), rng.randint(200, 4000))  # overwritten
            for k in rng.sample(range(per_layer_files), per_layer_files // 100):
                n = small_name(below, k)
                d, b = n.rsplit("/", 1)
                tf.addfile(info(f"{d}/.wh.{b}"))  # whited out
            tf.addfile(info(f"d{below}/{layer:03d}/.wh..wh..opq"))  # one directory made opaque
            add_dir(small_name(below, 1000 * layer + 1))  # a file becomes a directory
            for k in range(100):
                tf.addfile(info(f"d{layer}/link{k:03d}", kind=tarfile.LNKTYPE, link=small_name(layer, k)))
        add_dir(f"big{layer}")
        k = 0
        while written < layer_bytes:
            size = min(BIG, layer_bytes - written)
            tf.addfile(info(f"big{layer}/blob{k:03d}.bin", size), Content(size, a.seed * 1000 + layer * 100 + k))
            written += size
            k += 1
    # gzip the layer while the next one is written (two cores).
    pending.append((tar_path, subprocess.Popen(["gzip", "-1", "-f", "-k", tar_path])))

layers, diff_ids = [], []
for tar_path, proc in pending:
    if proc.wait() != 0:
        raise SystemExit(f"gzip failed on {tar_path}")
    sums = subprocess.run(["sha256sum", tar_path, tar_path + ".gz"], capture_output=True, text=True, check=True).stdout.split()
    diff_ids.append("sha256:" + sums[0])
    digest = sums[2]
    os.replace(tar_path + ".gz", os.path.join(blobs, digest))
    os.remove(tar_path)
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest, "size": os.path.getsize(os.path.join(blobs, digest))})


def put(doc):
    b = json.dumps(doc, separators=(",", ":")).encode()
    d = hashlib.sha256(b).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(b)
    return {"digest": "sha256:" + d, "size": len(b)}


config = put({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created_by": f"scale layer {i}"} for i in range(a.layers)]})
manifest = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config}, "layers": layers})
with open(os.path.join(a.out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
               "annotations": {"org.opencontainers.image.ref.name": "scale"}}]}, f)
with open(os.path.join(a.out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
print(json.dumps({"layers": layers, "files": a.files, "bytes": a.bytes}))
