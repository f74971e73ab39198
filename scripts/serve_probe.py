#!/usr/bin/env python3
"""Loopback client for measuring a running GanService API (Python 3 standard library only; talks to 127.0.0.1/localhost).

  serve_probe.py wait     URL [--timeout S]                     wait for /readyz to say ready
  serve_probe.py first    URL PATH[@IMAGE]...                   after readiness: latency of each request, in order
                                                                (GET PATH, or POST IMAGE to PATH)
  serve_probe.py load     URL PATH [--image F] [--requests N] [--clients C] [--warm K] [--out F]
                                                                N requests from C threads: req/s, p50/p95/p99, the share of
                                                                request time outside inference (from /metrics), the
                                                                Server-Timing stages; --out keeps the last response body
  serve_probe.py compare  A.png B.png                           max |delta| per pixel channel of two PNGs, and byte equality
  serve_probe.py cases    URL IMAGE                             one request per served model: name, path, image (or -)
  serve_probe.py image    OUT.png SIZE [--seed S]               a deterministic photo-like RGB test image

Used by scripts/gpu-check.sh and for bench/io.md and bench/warmup.md.
"""
import argparse
import concurrent.futures
import json
import re
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib


def _loopback(url):
    host = urllib.parse.urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"serve_probe: only loopback URLs are measured, got {url}")
    return url.rstrip("/")


def _get(url, data=None, headers=None, timeout=120):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, body, dict(response.headers), time.perf_counter() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers), time.perf_counter() - start


def wait_ready(base, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, body, _, _ = _get(base + "/readyz", timeout=5)
            if status == 200:
                return json.loads(body)
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    sys.exit(f"serve_probe: {base}/readyz was not ready within {timeout} s")


def metric_sums(base):
    """Sum and count of the request and inference histograms, over all labels."""
    _, body, _, _ = _get(base + "/metrics")
    sums = {}
    for line in body.decode().splitlines():
        m = re.match(r'^(gan_(?:request|inference|stage)_duration_seconds)_(sum|count)(\{[^}]*\})? ([0-9.eE+-]+)$', line)
        if m:
            key = (m.group(1), m.group(2), m.group(3) or "")
            sums[key] = sums.get(key, 0.0) + float(m.group(4))
    total = lambda name, kind: sum(v for (n, k, _), v in sums.items() if n == name and k == kind)
    return {"request": total("gan_request_duration_seconds", "sum"), "inference": total("gan_inference_duration_seconds", "sum")}


def parse_server_timing(header):
    stages = {}
    for part in (header or "").split(","):
        m = re.match(r'\s*([\w-]+);dur=([0-9.]+)', part)
        if m:
            stages[m.group(1)] = float(m.group(2))
    return stages


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def load(base, path, image, requests, clients, out, warm):
    data = open(image, "rb").read() if image else None
    headers = {"Content-Type": "image/png"} if image else {}
    for _ in range(warm):  # not counted: a server without warm-up pays its first runs here
        _get(base + path, data, headers)
    before = metric_sums(base)
    latencies, stages, codes, last = [], {}, {}, [None]
    lock = threading.Lock()

    def one(_):
        status, body, response_headers, elapsed = _get(base + path, data, headers)
        with lock:
            codes[status] = codes.get(status, 0) + 1
            if status == 200:
                latencies.append(elapsed)
                for stage, ms in parse_server_timing(response_headers.get("Server-Timing")).items():
                    stages.setdefault(stage, []).append(ms)
                last[0] = body

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - start
    after = metric_sums(base)
    if not latencies:
        sys.exit(f"serve_probe: no request succeeded: {codes}")
    client_total = sum(latencies)
    inference = after["inference"] - before["inference"]
    result = {
        "requests": requests, "clients": clients, "codes": codes, "req_per_s": round(len(latencies) / wall, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2), "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2), "mean_ms": round(client_total / len(latencies) * 1000, 2),
        # Medians (not means) describe a request on a machine shared with other work, where a few runs stall.
        "inference_mean_ms": round(inference / len(latencies) * 1000, 2),
        "outside_inference_share": round(1 - inference / client_total, 3),
        "stages_median_ms": {k: round(percentile(v, 50), 3) for k, v in stages.items()},
        "response_bytes": len(last[0]),
    }
    if out and last[0] is not None:
        with open(out, "wb") as f:
            f.write(last[0])
    print(json.dumps(result))


def first(base, paths):
    wait_ready(base, 600)
    for path in paths:
        path, _, image = path.partition("@")  # PATH@IMAGE posts the image (a PNG)
        data = open(image, "rb").read() if image else None
        status, _, headers, elapsed = _get(base + path, data, {"Content-Type": "image/png"} if image else {})
        print(json.dumps({"path": path, "status": status, "ms": round(elapsed * 1000, 2),
                          "server_timing": parse_server_timing(headers.get("Server-Timing"))}))


def read_png(path):
    """8-bit RGB/RGBA/grey non-interlaced PNG → (width, height, channels, bytes), what ImageSharp writes."""
    blob = open(path, "rb").read()
    if blob[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"serve_probe: {path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(blob):
        length, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        chunk = blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 6: 4, 4: 2}.get(colour)
    if depth != 8 or channels is None or interlace:
        sys.exit(f"serve_probe: {path}: only 8-bit non-interlaced grey/RGB(A) PNGs are compared")
    raw, stride = zlib.decompress(idat), width * channels
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, channels, bytes(out)


def compare(a, b):
    wa, ha, ca, pa = read_png(a)
    wb, hb, cb, pb = read_png(b)
    if (wa, ha, ca) != (wb, hb, cb):
        print(json.dumps({"same_bytes": False, "max_abs_delta": None, "why": f"{wa}x{ha}x{ca} vs {wb}x{hb}x{cb}"}))
        return
    same = open(a, "rb").read() == open(b, "rb").read()
    print(json.dumps({"same_bytes": same, "max_abs_delta": max((abs(x - y) for x, y in zip(pa, pb)), default=0)}))


def write_image(path, size, seed):
    """Gradients plus noise: compresses like a photo, not like a flat test card."""
    import random
    r = random.Random(seed)
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows += bytes(((x * 255 // size + r.randint(0, 40)) % 256, (y * 255 // size + r.randint(0, 40)) % 256,
                           ((x + y) * 127 // size + r.randint(0, 40)) % 256))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))


def cases(base, image):
    """Translate models: POST the image (StarGAN: to the first domain); generate models: GET seed 1."""
    _, body, _, _ = _get(base + "/models")
    for m in json.loads(body)["models"]:
        if m["status"] != "ready":
            continue
        name = m["name"]
        if m["task"] == "translate":
            target = f"?target={urllib.parse.quote(m['labels'][0])}" if m["capabilities"]["target"] else ""
            print(f"{name}\t/translate/{name}{target}\t{image}")
        else:
            print(f"{name}\t/generate?model={name}&seed=1\t-")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("wait"); w.add_argument("url"); w.add_argument("--timeout", type=float, default=600)
    f = sub.add_parser("first"); f.add_argument("url"); f.add_argument("paths", nargs="+")
    l = sub.add_parser("load"); l.add_argument("url"); l.add_argument("path"); l.add_argument("--image")
    l.add_argument("--requests", type=int, default=200); l.add_argument("--clients", type=int, default=1); l.add_argument("--out")
    l.add_argument("--warm", type=int, default=0, help="uncounted requests first")
    c = sub.add_parser("compare"); c.add_argument("a"); c.add_argument("b")
    k = sub.add_parser("cases"); k.add_argument("url"); k.add_argument("image")
    i = sub.add_parser("image"); i.add_argument("out"); i.add_argument("size", type=int); i.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.command == "wait":
        print(json.dumps(wait_ready(_loopback(args.url), args.timeout)))
    elif args.command == "first":
        first(_loopback(args.url), args.paths)
    elif args.command == "load":
        if not 1 <= args.requests <= 1_000_000 or not 1 <= args.clients <= 256:
            sys.exit("serve_probe: --requests 1…1000000, --clients 1…256")
        load(_loopback(args.url), args.path, args.image, args.requests, args.clients, args.out, args.warm)
    elif args.command == "cases":
        cases(_loopback(args.url), args.image)
    elif args.command == "image":
        if not 1 <= args.size <= 4096:
            sys.exit("serve_probe: image size 1…4096")
        write_image(args.out, args.size, args.seed)
    else:
        compare(args.a, args.b)


if __name__ == "__main__":
    main()
