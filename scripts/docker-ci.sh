#!/usr/bin/env bash
# The images built and run for real, on a machine with no registry access but Debian's (run by .ci/run):
#   1. Debian's Docker engine (docker.io), installed and started here when it is missing.
#   2. Stand-in base images, made without any registry: `debootstrap --variant=minbase` + `docker import`, then this
#      machine's .NET runtime / SDK copied in the way the official images lay it out (user app, UID 1654, APP_UID,
#      ASPNETCORE_HTTP_PORTS=8080, DOTNET_RUNNING_IN_CONTAINER); the nginx stand-in is Debian unstable's nginx (the
#      first Debian nginx new enough for `resolve` in docker/nginx.conf) with the official image's layout. Cached:
#      tagged by a hash of what went into them, rebuilt only when that changes.
#   3. docker/Dockerfile.cpu, .gpu and .train built with only their base-image build arguments overridden, and run:
#      non-root, HEALTHCHECK → healthy, /readyz ready with the shipped models mounted read-only, one generation and one
#      translation (CPU image; the GPU image the same on its CPU fallback), an export as non-root (training image).
#   4. The compose `replicas` profile (the proxy image swapped for the stand-in by a generated override file when the
#      pinned one cannot be pulled): a light load through the proxy while one replica is stopped, then another killed,
#      then both started again — every request must succeed in under 2 s — and nginx restarted and reloaded while a
#      replica is down must come up and serve, and route to that replica again once it is back.
# Skips (exit 0, saying why) where no engine can run: not root and no usable engine, no apt, or dockerd fails to start.
# Cache: $GAN_DOCKER_CACHE (default /var/cache/ganservice-docker-ci) for the debootstrap trees; Docker's own image
# store for the stand-ins and build layers.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$SECONDS
export DEBIAN_FRONTEND=noninteractive DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
cache=${GAN_DOCKER_CACHE:-/var/cache/ganservice-docker-ci}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
project=ganservice-ci
work=$(mktemp -d)
dockerd_pid=
containers=()
compose=()

say() { echo "docker-ci: $*"; }
skip() { say "SKIPPED: $*"; exit 0; }
elapsed() { echo "$((SECONDS - $1)) s"; }
cleanup() {
  set +e
  ((${#compose[@]})) && "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
  ((${#containers[@]})) && docker rm -f "${containers[@]}" >/dev/null 2>&1
  if [[ -n "$dockerd_pid" ]]; then kill "$dockerd_pid"; wait "$dockerd_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  say "FAIL: $*" >&2
  if docker info >/dev/null 2>&1; then
    docker ps -a --format '{{.Names}}\t{{.Image}}\t{{.Status}}' >&2
    for c in "${containers[@]}"; do echo "--- $c" >&2; docker logs --tail 20 "$c" >&2 2>&1; done
    ((${#compose[@]})) && "${compose[@]}" logs --tail 20 >&2 2>&1
    # nginx's own errors (why a request got 502/504) are lost among its access lines in the tail: all of them here.
    if [ -n "${proxy:-}" ]; then echo "--- nginx errors and warnings" >&2; docker logs "$proxy" 2>&1 | grep -E '\[(error|warn|crit|alert)\]' | tail -40 >&2; fi
  fi
  exit 1
}

# 1. The engine: Debian's packages, started here if nothing answers.
if ! docker info >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || skip "no Docker engine answers and installing and starting one needs root"
  command -v apt-get >/dev/null || skip "no Docker engine answers and there is no apt-get to install Debian's docker.io"
fi
need=()
command -v dockerd >/dev/null || need+=(docker.io)             # the engine (and a docker CLI)
command -v docker-compose >/dev/null || need+=(docker-compose) # the compose file's replicas profile
command -v debootstrap >/dev/null || need+=(debootstrap)       # stand-in base images from Debian's packages
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  [[ $(id -u) -eq 0 ]] || skip "missing ${need[*]} and not root to install them"
  say "installing ${need[*]}"
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
    skip "apt-get could not install ${need[*]}"
fi
mkdir -p "$cache"
if ! docker info >/dev/null 2>&1; then
  dockerd >"$cache/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    tail -n 15 "$cache/dockerd.log" >&2
    kill "$dockerd_pid" 2>/dev/null; dockerd_pid=
    skip "dockerd did not start here (log above); the images were not built"
  fi
fi
say "engine: Docker $(docker version -f '{{.Server.Version}}') ($(docker info -f '{{.Driver}}'))"

# 2. Stand-in base images (each reused when its tag exists).
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
sdk_version=$(dotnet --version)
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2 } END { print v }')
[[ -n "$runtime_version" ]] || fail "no ASP.NET Core runtime installed next to the SDK"
# What the official images (mcr.microsoft.com/dotnet/aspnet and sdk) set, on a Debian minbase with the libraries .NET
# needs (ICU, OpenSSL, CA certificates: the runtime-deps image's list).
aspnet_dockerfile="FROM ganservice-ci/debian:BASE_TAG
COPY dotnet/dotnet dotnet/LICENSE.txt /usr/share/dotnet/
COPY dotnet/host /usr/share/dotnet/host
COPY dotnet/shared /usr/share/dotnet/shared
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \\
 && groupadd --gid 1654 app && useradd --uid 1654 --gid app --create-home --shell /bin/false app
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true \\
    DOTNET_VERSION=$runtime_version ASPNET_VERSION=$runtime_version
LABEL org.opencontainers.image.description=\"stand-in for mcr.microsoft.com/dotnet/aspnet, scripts/docker-ci.sh\""
# The SDK image adds the SDK and this machine's CA bundle (what NuGet's TLS is checked against here).
sdk_dockerfile="FROM ganservice-ci/aspnet:ASPNET_TAG
COPY dotnet/sdk /usr/share/dotnet/sdk
COPY dotnet/packs /usr/share/dotnet/packs
COPY dotnet/sdk-manifests /usr/share/dotnet/sdk-manifests
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV DOTNET_SDK_VERSION=$sdk_version DOTNET_GENERATE_ASPNET_CERTIFICATE=false DOTNET_NOLOGO=true \\
    DOTNET_USE_POLLING_FILE_WATCHER=true NUGET_XMLDOC_MODE=skip
LABEL org.opencontainers.image.description=\"stand-in for mcr.microsoft.com/dotnet/sdk, scripts/docker-ci.sh\""
# The CUDA image's place: Ubuntu with CUDA and no .NET, no ICU and no app user (Dockerfile.gpu creates it).
cuda_dockerfile="FROM ganservice-ci/debian:BASE_TAG
RUN dpkg --purge libicu72
LABEL org.opencontainers.image.description=\"stand-in for nvidia/cuda (no CUDA: the GPU image's CPU fallback), scripts/docker-ci.sh\""
# The official nginx image's layout: conf.d/*.conf included in http, logs to stdout/stderr, busybox-like wget for the
# compose healthcheck, `nginx -g 'daemon off;'`, stopped with SIGQUIT.
nginx_dockerfile="FROM ganservice-ci/debian-sid:SID_TAG
RUN rm -f /etc/nginx/sites-enabled/default \\
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD [\"nginx\", \"-g\", \"daemon off;\"]
LABEL org.opencontainers.image.description=\"stand-in for the nginx image from Debian unstable's nginx, scripts/docker-ci.sh\""
base_packages=ca-certificates,libicu72,libssl3
hash() { sha256sum | cut -c1-12; }
base_tag=bookworm-$(echo "bookworm $base_packages" | hash)
sid_tag=sid-$(echo "sid nginx,wget $(date +%G-%V)" | hash)   # unstable moves: a fresh tree once a week
aspnet_tag=$runtime_version-$(printf '%s %s' "$base_tag" "$aspnet_dockerfile" | hash)
sdk_tag=$sdk_version-$(printf '%s %s %s' "$aspnet_tag" "$sdk_dockerfile" "$(hash </etc/ssl/certs/ca-certificates.crt)" | hash)
cuda_tag=$(printf '%s %s' "$base_tag" "$cuda_dockerfile" | hash)
nginx_tag=$(printf '%s %s' "$sid_tag" "$nginx_dockerfile" | hash)
have() { docker image inspect "$1" >/dev/null 2>&1; }

# A Debian tree for `docker import`, kept in the cache as a tarball.
rootfs_image() { # IMAGE SUITE PACKAGES
  have "$1" && return 0
  local tarball="$cache/${1##*:}.tar.gz"
  if [[ ! -s "$tarball" ]]; then
    say "debootstrap --variant=minbase $2 (+ $3)"
    rm -rf "$work/rootfs-$2"
    debootstrap --variant=minbase --include="$3" "$2" "$work/rootfs-$2" "$mirror" >"$work/debootstrap-$2.log" 2>&1 ||
      { tail -n 20 "$work/debootstrap-$2.log" >&2; fail "debootstrap $2"; }
    rm -rf "$work/rootfs-$2"/var/cache/apt/archives/*.deb "$work/rootfs-$2"/var/lib/apt/lists/*
    tar -C "$work/rootfs-$2" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$work/rootfs-$2"
  fi
  docker import "$tarball" "$1" >/dev/null
}
stand_in() { # IMAGE DOCKERFILE_TEXT CONTEXT
  have "$1" && return 0
  printf '%s\n' "$2" >"$3/Dockerfile"
  docker build -q -t "$1" "$3" >"$work/build-standin.log" 2>&1 || { cat "$work/build-standin.log" >&2; fail "building $1"; }
}
t=$SECONDS
sdk_image=ganservice-ci/sdk:$sdk_tag runtime_image=ganservice-ci/aspnet:$aspnet_tag
cuda_image=ganservice-ci/cuda:$cuda_tag nginx_image=ganservice-ci/nginx:$nginx_tag
if have "$sdk_image" && have "$runtime_image" && have "$cuda_image" && have "$nginx_image"; then
  say "stand-in base images: cached"
else
  # The two trees download in parallel (they are mostly waiting on the mirror).
  rootfs_image "ganservice-ci/debian-sid:$sid_tag" sid nginx,wget >"$work/sid.out" 2>&1 &
  sid_job=$!
  rootfs_image "ganservice-ci/debian:$base_tag" bookworm "$base_packages"
  wait "$sid_job" || { cat "$work/sid.out" >&2; fail "the nginx stand-in's Debian tree"; }
  cat "$work/sid.out"
  mkdir -p "$work/ctx/dotnet" "$work/ctx-plain"
  cp -al "$dotnet_root/." "$work/ctx/dotnet/" 2>/dev/null || cp -a "$dotnet_root/." "$work/ctx/dotnet/"
  cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/"
  stand_in "$runtime_image" "${aspnet_dockerfile/BASE_TAG/$base_tag}" "$work/ctx"
  stand_in "$sdk_image" "${sdk_dockerfile/ASPNET_TAG/$aspnet_tag}" "$work/ctx"
  stand_in "$cuda_image" "${cuda_dockerfile/BASE_TAG/$base_tag}" "$work/ctx-plain"
  stand_in "$nginx_image" "${nginx_dockerfile/SID_TAG/$sid_tag}" "$work/ctx-plain"
  rm -rf "$work/ctx"
  say "stand-in base images built in $(elapsed "$t")"
fi
nginx_version=$(docker run --rm "$nginx_image" nginx -v 2>&1 | sed 's/.*\///')
say "stand-ins: $sdk_image, $runtime_image (.NET from this machine), $cuda_image, $nginx_image (nginx $nginx_version)"

# 3. The three images, only the base-image arguments overridden.
mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1e6 }'; }
build() { # TAG DOCKERFILE BUILD-ARGS…
  local tag=$1 file=$2 t=$SECONDS; shift 2
  docker build -f "$file" "$@" -t "$tag" . >"$work/build-${tag#*:}.log" 2>&1 ||
    { tail -n 40 "$work/build-${tag#*:}.log" >&2; fail "docker build -f $file"; }
  say "built $tag ($file) in $(elapsed "$t"): $(mb "$tag")"
}
build ganservice:cpu docker/Dockerfile.cpu --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image"
build ganservice:gpu docker/Dockerfile.gpu --build-arg "SDK_IMAGE=$sdk_image" --build-arg "CUDA_IMAGE=$cuda_image"
build ganservice:train docker/Dockerfile.train --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image"

models=$(find models -mindepth 2 -maxdepth 2 -name model.json | wc -l)
translate_image=models/sketch2emoji/samples.png
# GET (or POST a PNG with a third argument) and require a 200 PNG.
expect_png() { # URL WHAT [PNG-TO-POST]
  local post=()
  [[ -n "${3:-}" ]] && post=(-H 'Content-Type: image/png' --data-binary "@$3")
  local code
  code=$(curl -s -m 30 -o "$work/answer" -w '%{http_code}' "${post[@]}" "$1") || true
  [[ "$code" == 200 ]] && head -c 4 "$work/answer" | grep -q PNG || fail "$2: HTTP $code $(head -c 300 "$work/answer")"
}
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1"; }
wait_healthy() { # CONTAINER SECONDS
  local t=$SECONDS
  while [[ $(health "$1") != healthy ]]; do
    ((SECONDS - t < $2)) || fail "$1 not healthy within $2 s ($(health "$1"))"
    [[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]] || fail "$1 exited"
    sleep 0.5
  done
}
# Runs IMAGE with the models mounted read-only and checks it as a user would see it.
check_api_image() { # IMAGE NAME
  local name=$2 t=$SECONDS
  containers+=("$name")
  docker run -d --name "$name" -p 127.0.0.1::8080 --mount "type=bind,source=$repo/models,target=/models,readonly" "$1" >/dev/null
  local uid port
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$(docker inspect -f '{{.State.Pid}}' "$name")/status")
  [[ "$uid" != 0 ]] || fail "$1 runs as root"
  [[ $(docker inspect -f '{{range .Mounts}}{{.Destination}}:{{.RW}}{{end}}' "$name") == /models:false ]] || fail "/models is not read-only"
  wait_healthy "$name" 120
  local to_healthy=$((SECONDS - t))
  port=$(docker port "$name" 8080/tcp | head -n1 | sed 's/.*://')
  curl -s -m 10 "http://127.0.0.1:$port/readyz" >"$work/readyz.json"
  python3 - "$work/readyz.json" "$models" "$name" <<'PY' || fail "$1: /readyz"
import json, sys
r = json.load(open(sys.argv[1]))
names = [m if isinstance(m, str) else m.get("name") for m in r.get("models", [])]
ok = r.get("status") == "ready" and len(names) == int(sys.argv[2]) and not r.get("failed")
p = r.get("provider") or {}
why = f" (fallback: {str(p.get('fallbackReason'))[:110]}…)" if p.get("fallbackReason") else ""
print(f"docker-ci: {sys.argv[3]}: /readyz {r.get('status')}, {len(names)} of {sys.argv[2]} models, provider {p.get('active')}{why}")
sys.exit(0 if ok else 1)
PY
  expect_png "http://127.0.0.1:$port/generate?model=fmnist-dcgan&seed=42" "$1: GET /generate"
  expect_png "http://127.0.0.1:$port/translate/sketch2emoji" "$1: POST /translate" "$translate_image"
  say "$name: runs as UID $uid, healthy after ${to_healthy} s, /models read-only, generate and translate answered PNGs"
}
docker rm -f ganservice-ci-cpu ganservice-ci-gpu >/dev/null 2>&1 || true   # left by an interrupted run
check_api_image ganservice:cpu ganservice-ci-cpu
check_api_image ganservice:gpu ganservice-ci-gpu   # no GPU here: its documented CPU fallback
docker rm -f "${containers[@]}" >/dev/null; containers=()

mkdir -m 777 "$work/export"
docker run --rm --mount "type=bind,source=$repo/models,target=/work/models,readonly" -v "$work/export:/out" \
  ganservice:train export --triton /out/triton --model fmnist-dcgan >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; fail "ganservice:train export"; }
owner=$(stat -c %u "$work/export/triton/fmnist-dcgan/1/model.onnx" 2>/dev/null) || fail "ganservice:train wrote no Triton model"
[[ "$owner" != 0 ]] || fail "ganservice:train runs as root"
say "ganservice:train: gan export --triton wrote the model as UID $owner"

# 4. The replicas profile under load.
compose=(docker-compose -p "$project" -f docker-compose.yml)
proxy_pinned=$(awk '/^  proxy:/ { p = 1 } p && /image:/ { print $2; exit }' docker-compose.yml)
if have "$proxy_pinned" || timeout 60 docker pull -q "$proxy_pinned" >/dev/null 2>&1; then
  say "proxy: the pinned $proxy_pinned"
  nginx_version=${proxy_pinned#*:}
else
  printf 'services:\n  proxy:\n    image: %s\n' "$nginx_image" >"$work/proxy-stand-in.yml"
  compose+=(-f "$work/proxy-stand-in.yml")
  say "proxy: $proxy_pinned cannot be pulled here; the stand-in $nginx_image (nginx $nginx_version) instead"
fi
compose+=(--profile replicas)
t=$SECONDS
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true   # left by an interrupted run
"${compose[@]}" up -d --no-build proxy >"$work/compose-up.log" 2>&1 || { cat "$work/compose-up.log" >&2; fail "compose up"; }
cid() { "${compose[@]}" ps -q "$1"; }
proxy=$(cid proxy)
wait_healthy "$proxy" 60
say "replicas profile: api-1…3 healthy, then the proxy, in $(elapsed "$t")"
# Each replica's CPU limit as the engine applied it.
for s in api-1 api-2 api-3; do
  [[ $(docker inspect -f '{{.HostConfig.NanoCpus}}' "$(cid $s)") == 1000000000 ]] || fail "$s is not limited to 1 CPU"
done

events=$work/events stop=$work/stop
mark() { echo "$(date +%s.%N) $*" >>"$events"; say "load: $*"; }
mark "all up"
python3 scripts/proxy_load.py --url http://127.0.0.1:5090 --clients 2 --stop-file "$stop" --events "$events" \
  --out "$work/requests.tsv" --translate-image "$translate_image" >"$work/load.out" 2>&1 &
load=$!
sleep 5
mark "api-2 stopped (docker stop)"
docker stop "$(cid api-2)" >/dev/null
sleep 8
mark "api-2 starting"
docker start "$(cid api-2)" >/dev/null
wait_healthy "$(cid api-2)" 90
mark "api-2 healthy again"
sleep 5
mark "api-3 killed (docker kill)"
docker kill "$(cid api-3)" >/dev/null
sleep 8
mark "api-3 starting"
[[ $(docker inspect -f '{{.State.Running}}' "$(cid api-3)") == true ]] || docker start "$(cid api-3)" >/dev/null
wait_healthy "$(cid api-3)" 90
mark "api-3 healthy again"
sleep 5
mark "end"
touch "$stop"
load_rc=0
wait "$load" || load_rc=$?
cat "$work/load.out"
((load_rc == 0)) || fail "requests through the proxy failed or took 2 s or more while replicas stopped and started"

# nginx (re)started and reloaded while a replica is down; then that replica back in the rotation.
docker stop "$(cid api-2)" >/dev/null
docker restart "$proxy" >/dev/null
for _ in $(seq 1 40); do curl -sf -m 2 -o /dev/null http://127.0.0.1:5090/nginx-health && break; sleep 0.5; done
[[ $(docker inspect -f '{{.State.Running}}' "$proxy") == true ]] || fail "nginx did not start with api-2 down"
for seed in $(seq 1 6); do expect_png "http://127.0.0.1:5090/generate?model=fmnist-dcgan&seed=$seed" "the proxy restarted with api-2 down"; done
docker exec "$proxy" nginx -s reload >"$work/reload.log" 2>&1 || { cat "$work/reload.log" >&2; fail "nginx did not reload with api-2 down"; }
sleep 1
for seed in $(seq 7 12); do expect_png "http://127.0.0.1:5090/generate?model=fmnist-dcgan&seed=$seed" "the proxy reloaded with api-2 down"; done
say "nginx restarted and reloaded with api-2 down: up, 12 of 12 requests answered"
since=$(date +%s)
docker start "$(cid api-2)" >/dev/null
wait_healthy "$(cid api-2)" 90
back=
for seed in $(seq 100 160); do
  expect_png "http://127.0.0.1:5090/generate?model=fmnist-dcgan&seed=$seed" "after api-2 came back"
  if docker logs --since "$since" "$(cid api-2)" 2>&1 | grep -q '/generate'; then back=$seed; break; fi
  sleep 0.2
done
[[ -n "$back" ]] || fail "api-2 got no request through nginx after it came back (names not re-resolved?)"
say "api-2 back: nginx routed to it again (re-resolved) after $((back - 99)) requests"
if docker logs "$proxy" 2>&1 | grep -q 'host not found'; then fail "nginx logged 'host not found' for a replica"; fi

say "OK in $(elapsed "$started")"
