#!/usr/bin/env bash
# Installs the packages scripts/build-debs.sh wrote to target/debian/ on this Debian machine
# (dpkg -i), checks what an operator would meet, then removes and purges them:
#   - the files are in place, with the configuration root:spectrus 0640 and the user made;
#   - `systemd-analyze verify` accepts the installed unit; the unit is enabled;
#   - spectrusd, spectrusctl and spectrus-tui --version name the package's version;
#   - the installed daemon runs as the spectrus user on the installed configuration, and the
#     installed spectrusctl talks to it;
#   - remove keeps the configuration; purge removes it and the enablement but keeps
#     /var/lib/spectrus; a purge with SPECTRUS_PURGE_DATA=1 deletes it.
# Needs root. Leaves nothing installed (what a run killed outright left, the next run purges).
# Refuses to run where a Spectrus server is already installed or /var/lib/spectrus holds data
# it did not make.
set -euo pipefail
cd "$(dirname "$0")/.."

data=/var/lib/spectrus
marker=$data/.made-by-test-debs
fail() {
    echo "test-debs: FAIL: $*" >&2
    exit 1
}
step() { echo "test-debs: $*"; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages with dpkg)"
# Present while a run has packages installed: a run that was killed outright left it, and
# what it installed is this test's to purge.
pending=/var/tmp/spectrus-test-debs.pending
if [ -e "$pending" ]; then
    echo "test-debs: purging what an interrupted run left installed"
    dpkg --purge spectrusd spectrus-tui >/dev/null 2>&1 || true
    rm -f "$pending"
fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in spectrusd spectrus-tui; do
    installed "$p" && fail "$p is already installed here; this test installs and purges it"
done
if [ -e "$data" ]; then
    # What a previous, interrupted run left; anything else is a real server's data.
    [ -e "$marker" ] || fail "$data exists and is not this test's: not touching it"
    rm -rf "$data"
fi

# Where build-debs.sh wrote them: the workspace's target directory (CARGO_TARGET_DIR honoured).
debs=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debian
newest() { ls -t "$debs/$1"_*.deb 2>/dev/null | head -n 1 || true; }
server_deb=$(newest spectrusd)
tui_deb=$(newest spectrus-tui)
[ -n "$server_deb" ] && [ -n "$tui_deb" ] || fail "no packages in $debs/: run scripts/build-debs.sh first"
version=$(dpkg-deb -f "$server_deb" Version)
upstream=${version%-*}

work=$(mktemp -d)
daemon=
cleanup() {
    if [ -n "$daemon" ]; then
        kill "$daemon" 2>/dev/null || true
        wait "$daemon" 2>/dev/null || true
    fi
    dpkg --purge spectrusd spectrus-tui >/dev/null 2>&1 || true
    if [ -e "$marker" ]; then rm -rf "$data"; fi
    rm -rf "$work" "$pending"
}
trap cleanup EXIT
touch "$pending"

step "installing $server_deb and $tui_deb"
dpkg -i "$server_deb" "$tui_deb" >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    fail "dpkg -i"
}

step "checking the installed files"
for f in /usr/bin/spectrusd /usr/bin/spectrusctl /usr/bin/spectrus-tui; do
    [ -x "$f" ] || fail "$f is missing or not executable"
done
for f in \
    /usr/lib/systemd/system/spectrusd.service \
    /usr/lib/sysusers.d/spectrusd.conf \
    /usr/lib/tmpfiles.d/spectrusd.conf \
    /usr/share/man/man8/spectrusd.8.gz \
    /usr/share/man/man8/spectrusctl.8.gz \
    /usr/share/man/man1/spectrus-tui.1.gz \
    /usr/share/bash-completion/completions/spectrusctl \
    /usr/share/zsh/vendor-completions/_spectrusctl \
    /usr/share/fish/vendor_completions.d/spectrusctl.fish \
    /usr/share/doc/spectrusd/examples/spectrusd.toml.example \
    /usr/share/doc/spectrusd/copyright \
    /usr/share/doc/spectrus-tui/copyright; do
    [ -s "$f" ] || fail "$f is missing or empty"
done
grep -q 'complete -F _spectrusctl' /usr/share/bash-completion/completions/spectrusctl ||
    fail "the bash completion does not complete spectrusctl"
getent passwd spectrus >/dev/null || fail "no spectrus user (systemd-sysusers in postinst)"
getent group spectrus >/dev/null || fail "no spectrus group"
perms=$(stat -c '%a %U %G' /etc/spectrus/spectrusd.toml)
[ "$perms" = "640 root spectrus" ] || fail "/etc/spectrus/spectrusd.toml is '$perms', expected '640 root spectrus'"
[ -L /etc/systemd/system/multi-user.target.wants/spectrusd.service ] ||
    fail "spectrusd.service is not enabled (deb-systemd-helper in postinst)"

step "systemd-analyze verify"
# Documentation= is checked with man(1) where it is installed.
man_check=--man=yes
command -v man >/dev/null 2>&1 || man_check=--man=no
systemd-analyze verify "$man_check" /usr/lib/systemd/system/spectrusd.service >"$work/verify.log" 2>&1 || {
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify rejects the installed unit"
}

step "--version"
for bin in spectrusd spectrusctl spectrus-tui; do
    out=$("$bin" --version)
    [ "$out" = "$bin $upstream" ] || fail "$bin --version says '$out', expected '$bin $upstream'"
done

if [ -d /run/systemd/system ]; then
    # Where systemd is the init system, postinst started the service: it must be running,
    # and it is stopped before the test runs its own daemon on the same data directory.
    step "the service started under systemd"
    for _ in $(seq 1 50); do
        systemctl is-active --quiet spectrusd.service && break
        sleep 0.2
    done
    systemctl is-active --quiet spectrusd.service || {
        journalctl -u spectrusd.service -n 20 --no-pager >&2 || true
        fail "spectrusd.service is not running after install"
    }
    systemctl stop spectrusd.service
fi

step "running the installed daemon as the spectrus user, on the installed configuration"
# As the unit's StateDirectory= would make it; the marker lets an interrupted run clean up.
install -d -o spectrus -g spectrus -m 0750 "$data"
touch "$marker"
chmod 0711 "$work"
install -d -o spectrus -g spectrus -m 0750 "$work/run"
runuser -u spectrus -- env SPECTRUS_DATA_DIR="$data" SPECTRUS_BIND=127.0.0.1:0 \
    SPECTRUS_VOICE_UDP=127.0.0.1:0 SPECTRUS_ADMIN_SOCKET="$work/run/admin.sock" \
    /usr/bin/spectrusd --config /etc/spectrus/spectrusd.toml >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 300); do
    [ -S "$work/run/admin.sock" ] && break
    kill -0 "$daemon" 2>/dev/null || {
        cat "$work/daemon.log" >&2
        fail "the installed daemon exited"
    }
    sleep 0.1
done
/usr/bin/spectrusctl --socket "$work/run/admin.sock" status >"$work/status.txt" 2>&1 || {
    cat "$work/status.txt" "$work/daemon.log" >&2
    fail "spectrusctl status against the installed daemon"
}
kill "$daemon"
wait "$daemon" || true
daemon=
[ -s "$data/spectrus.db" ] || fail "the daemon made no database in $data"

step "remove: the configuration stays"
dpkg --remove spectrusd spectrus-tui >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    fail "dpkg --remove"
}
[ ! -e /usr/bin/spectrusd ] && [ ! -e /usr/bin/spectrus-tui ] || fail "binaries left after remove"
[ -f /etc/spectrus/spectrusd.toml ] || fail "remove deleted /etc/spectrus/spectrusd.toml"

step "purge: the configuration goes, $data stays"
dpkg --purge spectrusd spectrus-tui >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    fail "dpkg --purge"
}
[ ! -e /etc/spectrus/spectrusd.toml ] || fail "purge left /etc/spectrus/spectrusd.toml"
[ ! -e /etc/systemd/system/multi-user.target.wants/spectrusd.service ] || fail "purge left the unit enabled"
[ -s "$data/spectrus.db" ] || fail "purge deleted $data/spectrus.db"
grep -q "kept /var/lib/spectrus" "$work/dpkg.log" || fail "purge did not say it kept $data"

step "purge with SPECTRUS_PURGE_DATA=1: $data goes too"
dpkg -i "$server_deb" >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    fail "dpkg -i (again)"
}
SPECTRUS_PURGE_DATA=1 dpkg --purge spectrusd >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    fail "dpkg --purge with SPECTRUS_PURGE_DATA=1"
}
[ ! -e "$data" ] || fail "SPECTRUS_PURGE_DATA=1 purge left $data"

step "ok: $server_deb $tui_deb"
