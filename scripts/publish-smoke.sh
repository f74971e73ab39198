#!/usr/bin/env bash
# Publish smoke check, without a Docker engine: the API published as docker/Dockerfile.cpu publishes it, copied to a
# clean temporary folder, run as an unprivileged user (nobody) with the environment that image sets, must answer the
# image's own healthcheck command (GanService.Api --probe …), /healthz, /readyz and one generation (a PNG).
# Differences from the image, forced by running on the host: Gan__ModelsPath is a copy of models/ (the image mounts
# it at /models) and the port is a free loopback port (the image uses 8080). Called by .ci/run; ~1 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dotnet=$(command -v dotnet)
work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "publish-smoke: FAIL: $*" >&2; [[ -f "$work/api.log" ]] && tail -n 30 "$work/api.log" >&2; exit 1; }

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
port=18080
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
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

# One generation over a raw HTTP/1.0 request (no curl needed): 200 and a PNG body.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /generate?model=fmnist-dcgan&seed=42 HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
cat <&3 >"$work/generate.http"
exec 3>&-
head -n1 "$work/generate.http" | grep -q ' 200 ' || fail "GET /generate: $(head -n1 "$work/generate.http")"
grep -aq $'\x89PNG' "$work/generate.http" || fail "GET /generate: no PNG in the body"
echo "publish-smoke: /healthz, /readyz and GET /generate?model=fmnist-dcgan&seed=42 answered ($(wc -c <"$work/generate.http") bytes)"
echo "publish-smoke: OK"
