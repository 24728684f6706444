#!/usr/bin/env bash
# Re-fetches the browser client's vendored ES modules into web/vendor/ from the npm registry
# npm is configured with (`npm pack`), at the exact versions pinned in web/package.json's
# devDependencies (the same packages give tsc their types). Rewrites the bare imports to
# relative paths, drops source-map comments (the maps are not vendored), copies each licence
# and writes web/vendor/VERSIONS. Re-runnable: the same versions give byte-identical files.
#
# Usage: scripts/refresh-vendor.sh        (needs node and npm; run from anywhere)
# To move to a new version: change web/package.json, `npm install --prefix web`, run this,
# then check the app (`npm run typecheck --prefix web`, the browser tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/web/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# package  file in the tarball  vendored name
files=(
    "preact                package/dist/preact.mjs              preact.mjs"
    "preact                package/hooks/dist/hooks.mjs         preact-hooks.mjs"
    "@preact/signals-core  package/dist/signals-core.mjs        signals-core.mjs"
    "@preact/signals       package/dist/signals.mjs             signals.mjs"
    "htm                   package/dist/htm.mjs                 htm.mjs"
)

version_of() {
    node -e 'const p = require(process.argv[1]); const v = p.devDependencies[process.argv[2]];
             if (!/^\d+\.\d+\.\d+$/.test(v || "")) { console.error(`${process.argv[2]}: pin an exact version in web/package.json (found ${v})`); process.exit(1); }
             console.log(v);' "$root/web/package.json" "$1"
}

mkdir -p "$vendor"
rm -f "$vendor"/*.mjs "$vendor"/LICENSE-* "$vendor"/VERSIONS
{
    echo "# Vendored by scripts/refresh-vendor.sh from the npm registry (npm pack); do not edit."
    echo "# name@version  tarball  sha256-of-tarball  integrity (sha512, as npm records it)"
} > "$work/VERSIONS"

for pkg in preact @preact/signals-core @preact/signals htm; do
    version="$(version_of "$pkg")"
    dir="$work/$(echo "$pkg" | tr '/@' '__')"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent --json "$pkg@$version" > pack.json)
    tarball="$(node -e 'console.log(require(process.argv[1])[0].filename)' "$dir/pack.json")"
    integrity="$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$dir/pack.json")"
    sha="$(sha256sum "$dir/$tarball" | cut -d' ' -f1)"
    tar -xzf "$dir/$tarball" -C "$dir"
    # The tarball's path on the registry: <name>/-/<basename>-<version>.tgz
    echo "$pkg@$version  $pkg/-/${pkg##*/}-$version.tgz  sha256:$sha  $integrity" >> "$work/VERSIONS"
    cp "$dir/package/LICENSE" "$vendor/LICENSE-$(echo "${pkg#@}" | tr '/' '-')"
    for entry in "${files[@]}"; do
        read -r name inner out <<< "$entry"
        [ "$name" = "$pkg" ] || continue
        # Bare specifiers -> sibling files; the source-map comment points at a file not vendored.
        sed -E \
            -e 's#(from|import) ?"preact"#\1"./preact.mjs"#g' \
            -e 's#(from|import) ?"preact/hooks"#\1"./preact-hooks.mjs"#g' \
            -e 's#(from|import) ?"@preact/signals-core"#\1"./signals-core.mjs"#g' \
            -e 's#//\# sourceMappingURL=[^ ]*$##' \
            "$dir/$inner" > "$vendor/$out"
        if grep -qE '(from|import) ?"[^.][^"]*"' "$vendor/$out"; then
            echo "refresh-vendor: $out still has a bare import:" >&2
            grep -oE '(from|import) ?"[^.][^"]*"' "$vendor/$out" >&2
            exit 1
        fi
    done
done
mv "$work/VERSIONS" "$vendor/VERSIONS"
echo "refresh-vendor: web/vendor/ is up to date:"
sed -n '3,$p' "$vendor/VERSIONS"
