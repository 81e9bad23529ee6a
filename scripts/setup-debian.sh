#!/usr/bin/env bash
# Installs, from Debian's packages, what codex-bot needs to build and run on Debian 12
# (Swift 6.3 itself must already be installed), bubblewrap included: it is what keeps the
# agent's commands off the network and out of everything but the worktree. With --test,
# also what its tests start: an OpenSSH server for the SSH remote tests, the openssl tool
# for the HTTPS ones, and pytest and cargo,
# which the re-run tests drive for real (skipped when a pytest or cargo is already on the
# PATH, e.g. from pip or rustup). Installs only what is missing, so a second run needs no
# network.
set -euo pipefail

packages=(libgit2-dev libcurl4-openssl-dev libssl-dev pkg-config git ca-certificates bubblewrap)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(openssh-server openssh-client openssl)
  python3 -c "import pytest" 2>/dev/null || packages+=(python3-pytest)
  command -v cargo >/dev/null 2>&1 || packages+=(cargo)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  sudo=(sudo)
fi
echo "setup-debian: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
