#!/usr/bin/env bash
# Builds Trove's OCI image from this checkout without pulling any base image: the root filesystem
# is this machine's node binary, the few shared libraries it and the native modules load
# (glibc, libstdc++), the compiled app and its production dependencies, and a non-root user.
# umoci assembles it into an OCI image layout, in two layers (runtime, then app).
#
#   deploy/image/build.sh [LAYOUT_DIR] [TAG]     (defaults: build/image, the package version)
#
# Then: skopeo copy oci:build/image:TAG docker-daemon:trove:TAG   (or containers-storage:…)
# Needs: node and npm (the versions the image will run), umoci, ldd, strip (optional).
# Runs as root (file owners). SKIP_COMPILE=1 uses dist/ as it is.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
layout=${1:-$root/build/image}
tag=${2:-$(node -p "require('$root/package.json').version")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in node npm umoci ldd; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is required" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (image files are owned by root and trove)" >&2; exit 2; }

echo "== compiling and staging the app"
# SKIP_COMPILE=1: dist/ is already current (the test suite builds it once for every test).
[ "${SKIP_COMPILE:-}" = 1 ] || (cd "$root" && npm run --silent build)
app=$work/app/opt/trove
mkdir -p "$app"
cp -a "$root/dist" "$root/package.json" "$root/package-lock.json" "$app/"
cp -a "$root/node_modules" "$app/"
# Production dependencies only; then what no running program reads.
(cd "$app" && npm prune --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null)
find "$app/node_modules" \( -name '*.md' -o -name '*.markdown' -o -name '*.d.ts' -o -name '*.d.mts' \
  -o -name '*.d.cts' -o -name '*.map' -o -name '*.ts.map' -o -name 'CHANGELOG*' -o -name '*.tsbuildinfo' \) \
  -type f -delete
sqlite=$app/node_modules/better-sqlite3
rm -rf "$sqlite/deps" "$sqlite/src" "$sqlite/build/Release/obj" "$sqlite/build/Release/obj.target" \
  "$sqlite/build/Release/.deps" "$sqlite/build/deps" "$sqlite/build/Release/test_extension.node"
rm -rf "$app/node_modules/.bin" "$app/node_modules/.package-lock.json"
find "$app/node_modules" -type d -empty -delete

echo "== staging the runtime"
rt=$work/runtime
node_bin=$(readlink -f "$(command -v node)")
install -D -m 0755 "$node_bin" "$rt/usr/local/bin/node"
# Symbols no running program reads (about 12 MiB of node's 95).
if command -v strip >/dev/null; then strip --strip-all "$rt/usr/local/bin/node"; fi
# The shared libraries node and every native module load, at the paths the loader looks in.
mapfile -t natives < <(find "$app/node_modules" -name '*.node' -type f)
ldd "$node_bin" "${natives[@]}" 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u |
  while read -r lib; do
    install -D -m 0755 "$(readlink -f "$lib")" "$rt$lib"
  done
mkdir -p "$rt/etc" "$rt/tmp" "$rt/var/cache/trove" "$rt/etc/trove"
chmod 1777 "$rt/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\ntrove:x:10001:10001:trove:/var/cache/trove:/sbin/nologin\n' >"$rt/etc/passwd"
printf 'root:x:0:\ntrove:x:10001:\n' >"$rt/etc/group"
printf 'hosts: files dns\n' >"$rt/etc/nsswitch.conf"
# Node carries its own root certificates; the system bundle is there for NODE_EXTRA_CA_CERTS-style use.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rt/etc/ssl/certs/ca-certificates.crt"
fi
chown 10001:10001 "$rt/var/cache/trove"

echo "== assembling $layout:$tag"
[ -f "$layout/index.json" ] || umoci init --layout "$layout"
umoci rm --image "$layout:$tag" 2>/dev/null || true
umoci new --image "$layout:$tag"
layer() { # copies a staged tree into the image as one layer
  rm -rf "$work/bundle"
  umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
  cp -a "$1/." "$work/bundle/rootfs/"
  umoci repack --image "$layout:$tag" --history.created_by "$2" "$work/bundle"
}
layer "$rt" "trove runtime: node $(node -v), glibc and libstdc++ from the build machine"
layer "$work/app" "trove app: dist/ and production node_modules"
version=$(node -p "require('$root/package.json').version")
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
umoci config --image "$layout:$tag" \
  --os linux --architecture "$(node -p 'process.arch === "x64" ? "amd64" : process.arch')" \
  --config.user 10001:10001 \
  --config.workingdir /var/cache/trove \
  --config.entrypoint /usr/local/bin/node --config.entrypoint /opt/trove/dist/cli/main.js \
  --config.cmd serve \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin \
  --config.env NODE_ENV=production \
  --config.env TROVE_CACHE_DIR=/var/cache/trove \
  --config.volume /var/cache/trove \
  --config.exposedports 12345/tcp \
  --config.stopsignal SIGTERM \
  --config.label org.opencontainers.image.title=trove \
  --config.label "org.opencontainers.image.description=A caching proxy for package registries" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.revision=$revision" \
  --history.created_by "config: user trove, volume /var/cache/trove, port 12345"
umoci gc --layout "$layout"

# Sizes: compressed (what a pull moves) and unpacked (what a container's disk holds).
packed=$(node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1], tag = process.argv[2];
  const blob = (d) => path.join(dir, "blobs", ...d.split(":"));
  const idx = JSON.parse(fs.readFileSync(path.join(dir, "index.json")));
  const m = idx.manifests.find((x) => x.annotations?.["org.opencontainers.image.ref.name"] === tag);
  const man = JSON.parse(fs.readFileSync(blob(m.digest)));
  console.log(man.layers.reduce((n, l) => n + l.size, 0));
' "$layout" "$tag")
unpacked=$(du -sb "$rt" "$work/app" | awk '{n += $1} END {print n}')
echo "built $layout:$tag: $((packed / 1024 / 1024)) MiB compressed, $((unpacked / 1024 / 1024)) MiB unpacked"
