#!/usr/bin/env python3
"""A small, steady load through the replicas' proxy while scripts/docker-ci.sh stops, kills and starts replicas.

Each client alternates two seeded GET /generate requests with one POST /translate (a raw PNG body) until the stop file
appears, and records every request: when it started, what it was, the status, the seconds it took, and whether the
body was a PNG. Standard library only. At the end it prints one line per phase (the events file names them: each line
"EPOCH_SECONDS label", written by the caller as it acts) and a summary line, and exits 1 when any request failed or
took longer than --max-seconds.

  proxy_load.py --url http://127.0.0.1:5090 --stop-file F --events E --out requests.tsv [--clients 2]
"""
import argparse
import os
import threading
import time
import urllib.error
import urllib.request

PNG = b"\x89PNG\r\n\x1a\n"


def one(url, data, headers, timeout):
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().startswith(PNG), ""
    except urllib.error.HTTPError as e:
        return e.code, False, e.read()[:200].decode("utf-8", "replace")
    except Exception as e:  # a refused, reset or timed-out request is a failure like any other
        return 0, False, f"{type(e).__name__}: {e}"


def client(number, args, image, records, lock):
    seed = number * 1_000_000
    n = 0
    while not os.path.exists(args.stop_file):
        n += 1
        if n % 3 == 0:
            kind, url, data = "POST /translate", f"{args.url}/translate/{args.translate_model}", image
            headers = {"Content-Type": "image/png", "Connection": "close"}
        else:
            seed += 1
            kind, url, data = "GET /generate", f"{args.url}/generate?model={args.generate_model}&seed={seed}", None
            headers = {"Connection": "close"}
        start = time.time()
        status, png, error = one(url, data, headers, args.timeout)
        with lock:
            records.append((start, kind, status, time.time() - start, png, error))
        time.sleep(args.pause)


def phases(events_file):
    if not events_file or not os.path.exists(events_file):
        return []
    with open(events_file) as f:
        return [(float(t), label) for t, label in (line.rstrip("\n").split(" ", 1) for line in f if " " in line)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--events")
    p.add_argument("--out", required=True)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--generate-model", default="fmnist-dcgan")
    p.add_argument("--translate-model", default="sketch2emoji")
    p.add_argument("--translate-image", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--pause", type=float, default=0.05, help="seconds between one client's requests")
    p.add_argument("--max-seconds", type=float, default=2.0)
    args = p.parse_args()
    with open(args.translate_image, "rb") as f:
        image = f.read()

    records, lock = [], threading.Lock()
    threads = [threading.Thread(target=client, args=(i, args, image, records, lock)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    records.sort()
    bad = lambda r: r[2] != 200 or not r[4] or r[3] >= args.max_seconds
    with open(args.out, "w") as f:
        f.write("start\tkind\tstatus\tseconds\tpng\terror\n")
        for r in records:
            f.write(f"{r[0]:.3f}\t{r[1]}\t{r[2]}\t{r[3]:.3f}\t{int(r[4])}\t{r[5]}\n")
    marks = phases(args.events)
    for i, (t, label) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else float("inf")
        inside = [r for r in records if t <= r[0] < end]
        if inside:
            print(f"proxy-load: {label:<34} {len(inside):4d} requests, {sum(r[2] != 200 or not r[4] for r in inside)} failed, "
                  f"worst {max(r[3] for r in inside):.2f} s")
    failed = [r for r in records if r[2] != 200 or not r[4]]
    slow = [r for r in records if r[3] >= args.max_seconds]
    for r in [r for r in records if bad(r)][:10]:
        print(f"proxy-load:   {r[1]} at +{r[0] - records[0][0]:.1f} s: status {r[2]}, {r[3]:.2f} s {r[5]}")
    worst = max((r[3] for r in records), default=0)
    print(f"proxy-load: {len(records)} requests ({sum(r[1].startswith('POST') for r in records)} POST), "
          f"{len(failed)} failed, {len(slow)} over {args.max_seconds:g} s, worst {worst:.2f} s")
    return 1 if failed or slow or not records else 0


if __name__ == "__main__":
    raise SystemExit(main())
