#!/usr/bin/env bash
# Publish smoke check, without a Docker engine: the API published as docker/Dockerfile.cpu publishes it, copied to a
# clean temporary folder, run as an unprivileged user (nobody) with the environment that image sets, must answer the
# image's own healthcheck command (GanService.Api --probe …), /healthz, /readyz and one generation (a PNG). Then the
# replicas profile without Docker: three such processes behind nginx with docker/nginx.conf (only the replicas' host
# names and the ports rewritten to loopback addresses), which must spread requests over all three, pass the request id
# through, and keep answering when one replica is killed.
# Differences from the image, forced by running on the host: Gan__ModelsPath is a copy of models/ (the image mounts
# it at /models) and the port is a free loopback port (the image uses 8080). Called by .ci/run; under a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dotnet=$(command -v dotnet)
work=$(mktemp -d)
pid=
pids=()
cleanup() {
  for p in $pid "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "publish-smoke: FAIL: $*" >&2
  for log in "$work"/api*.log "$work"/nginx/error.log; do [[ -f "$log" ]] && { echo "--- ${log#"$work"/}" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

# 1. Publish exactly as the image's build stage does.
dotnet publish src/GanService.Api/GanService.Api.csproj -c Release -r linux-x64 --self-contained false \
  -o "$work/publish" -v quiet -nologo >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; fail "dotnet publish"; }
mkdir "$work/app" "$work/models"
cp -a "$work/publish/." "$work/app/"
cp -a models/. "$work/models/"
chmod 755 "$work"
chmod -R a+rX,go-w "$work/app" "$work/models"

# 2. The image's environment: every ENV of the runtime stage of docker/Dockerfile.cpu.
mapfile -t image_env < <(awk '
  /^FROM / { runtime = ($0 ~ / AS runtime/) }
  runtime && /^ENV / { on = 1; sub(/^ENV /, "") }
  on { line = $0; more = sub(/\\[ \t]*$/, "", line); n = split(line, kv, /[ \t]+/)
       for (i = 1; i <= n; i++) if (kv[i] ~ /=/) print kv[i]; on = more }' docker/Dockerfile.cpu)
((${#image_env[@]} >= 3)) || fail "found no ENV in docker/Dockerfile.cpu's runtime stage"
free_port() { local p=$1; while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
port=$(free_port 18080)
run_env=(PATH="$(dirname "$dotnet"):/usr/bin:/bin" HOME=/nonexistent DOTNET_CLI_TELEMETRY_OPTOUT=1 "${image_env[@]}"
         Gan__ModelsPath="$work/models" ASPNETCORE_HTTP_PORTS="$port")
echo "publish-smoke: image environment: ${image_env[*]} (ModelsPath and port overridden)"

# 3. As nobody (CI runs as root; an unprivileged caller already is not root).
as_user=()
if [[ $(id -u) -eq 0 ]]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
run() { "${as_user[@]}" env -i "${run_env[@]}" "$dotnet" "$work/app/GanService.Api.dll" "$@"; }
probe() { run --probe "http://127.0.0.1:$port$1"; }

# Started directly (not through a function or subshell) so that $! is the API process itself; from /app, the image's
# WORKDIR, which is the content root (wwwroot).
cd "$work/app"
"${as_user[@]}" env -i "${run_env[@]}" "$dotnet" "$work/app/GanService.Api.dll" >"$work/api.log" 2>&1 &
pid=$!
cd "$repo"
ready=
for _ in $(seq 1 120); do
  if probe /readyz >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || fail "the API exited"
  sleep 0.5
done
[[ -n "$ready" ]] || fail "/readyz not ready within 60 s"
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[[ $(id -u) -ne 0 || "$uid" == 65534 ]] || fail "the API runs as uid $uid, not nobody"
echo "publish-smoke: the API runs as uid $uid"

probe /healthz || fail "/healthz"
probe /readyz || fail "/readyz"
if probe /no-such-path >/dev/null; then fail "--probe exited 0 for a 404"; fi

# A raw HTTP/1.0 GET (no curl needed): http_get HOST PORT PATH FILE writes the response, headers included.
http_get() {
  exec 3<>"/dev/tcp/$1/$2"
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$3" >&3
  cat <&3 >"$4"
  exec 3>&-
}
expect_png() {
  head -n1 "$1" | grep -q ' 200 ' || fail "$2: $(head -n1 "$1")"
  grep -aq $'\x89PNG' "$1" || fail "$2: no PNG in the body"
}
http_get 127.0.0.1 "$port" "/generate?model=fmnist-dcgan&seed=42" "$work/generate.http"
expect_png "$work/generate.http" "GET /generate"
echo "publish-smoke: /healthz, /readyz and GET /generate?model=fmnist-dcgan&seed=42 answered ($(wc -c <"$work/generate.http") bytes)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

# 4. The replicas profile: api-N listens on 127.0.0.1N (the whole 127/8 is loopback), nginx on 127.0.0.1.
if ! command -v nginx >/dev/null; then
  echo "publish-smoke: nginx is not installed (apt-get install nginx; .ci/run does): replicas check skipped"
  echo "publish-smoke: OK"
  exit 0
fi
rport=$(free_port 18180)
replicas=$(grep -cE '^\s*server api-[0-9]+:8080' docker/nginx.conf)
((replicas == 3)) || fail "docker/nginx.conf lists $replicas replicas, expected api-1…3"
cd "$work/app"
for n in 1 2 3; do
  "${as_user[@]}" env -i "${run_env[@]}" ASPNETCORE_URLS="http://127.0.0.1$n:$rport" "$dotnet" "$work/app/GanService.Api.dll" >"$work/api-$n.log" 2>&1 &
  pids+=($!)
done
cd "$repo"
for n in 1 2 3; do
  for _ in $(seq 1 120); do run --probe "http://127.0.0.1$n:$rport/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  run --probe "http://127.0.0.1$n:$rport/readyz" >/dev/null || fail "replica api-$n not ready"
done
pport=$(free_port 18280)
mkdir -p "$work/nginx"
# `resolve` (re-resolving the replicas' names at run time) needs nginx 1.27.3 or later: an older host nginx (Debian 12
# has 1.22) gets the file without it, which docker/nginx.conf allows for. Here the replicas are addresses anyway.
nginx_version=$(nginx -v 2>&1 | sed 's/.*\///')
strip_resolve=(-e 's/ resolve / /') nginx_note=" (without resolve)"
if [[ $(printf '%s\n' 1.27.3 "$nginx_version" | sort -V | head -n1) == 1.27.3 ]]; then strip_resolve=() nginx_note=; fi
sed -E -e "s/server api-([0-9]+):8080/server 127.0.0.1\1:$rport/" -e "s/listen 8080;/listen 127.0.0.1:$pport;/" \
  "${strip_resolve[@]}" docker/nginx.conf >"$work/nginx/default.conf"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include $work/nginx/default.conf;
}
CONF
chmod 777 "$work/nginx"
nginx_cmd=("${as_user[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf")
"${nginx_cmd[@]}" -t -q 2>"$work/nginx/test.log" || { cat "$work/nginx/test.log" >&2; fail "nginx -t rejects docker/nginx.conf"; }
"${nginx_cmd[@]}" &
pids+=($!)
for _ in $(seq 1 40); do (echo >"/dev/tcp/127.0.0.1/$pport") 2>/dev/null && break; sleep 0.25; done
http_get 127.0.0.1 "$pport" /nginx-health "$work/health.http"
head -n1 "$work/health.http" | grep -q ' 200 ' || fail "nginx /nginx-health: $(head -n1 "$work/health.http")"
for seed in 1 2 3 4 5 6; do
  http_get 127.0.0.1 "$pport" "/generate?model=fmnist-dcgan&seed=$seed" "$work/proxied.http"
  expect_png "$work/proxied.http" "GET /generate through nginx"
done
# nginx's $request_id (32 hex digits), set as X-Request-Id upstream and echoed by the API.
grep -aqiE '^X-Request-Id: [0-9a-f]{32}[[:space:]]*$' "$work/proxied.http" || fail "the API did not echo nginx's X-Request-Id"
for n in 1 2 3; do
  grep -q '/generate' "$work/api-$n.log" || fail "nginx sent no request to api-$n"
done
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
for seed in 7 8 9; do
  http_get 127.0.0.1 "$pport" "/generate?model=fmnist-dcgan&seed=$seed" "$work/proxied.http"
  expect_png "$work/proxied.http" "GET /generate through nginx with api-2 down"
done
echo "publish-smoke: nginx $nginx_version$nginx_note with docker/nginx.conf spread 6 requests over api-1…3, passed X-Request-Id, and kept answering with api-2 killed"
echo "publish-smoke: OK"
