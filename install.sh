#!/bin/sh
# Installs aws-vault for Deno from a GitHub release (Linux and macOS):
#
#   curl -fsSL https://github.com/aws-vault-deno/aws-vault/releases/latest/download/install.sh | sh
#   sh install.sh [--dir DIR] [--version vX.Y.Z] [--force]
#
# It picks the asset for this OS and CPU from the release's SHA256SUMS, downloads it, checks its
# SHA-256 against that list (nothing is installed on a mismatch), and installs `aws-vault` into
# DIR (default ~/.local/bin). An existing file there is replaced only when it is aws-vault (ours
# or the Go one); anything else needs --force.
#
# Environment: AWS_VAULT_INSTALL_DIR (as --dir), AWS_VAULT_INSTALL_REPO (owner/name on GitHub),
# AWS_VAULT_INSTALL_BASE_URL (where the release assets are; tests serve them locally).
set -eu

repo=${AWS_VAULT_INSTALL_REPO:-aws-vault-deno/aws-vault}
dir=${AWS_VAULT_INSTALL_DIR:-"$HOME/.local/bin"}
version=""
force=0

die() {
  echo "install.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || die "--dir needs a directory"; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --version) [ $# -ge 2 ] || die "--version needs a tag such as v7.2.0-deno.1"; version=$2; shift 2 ;;
    --version=*) version=${1#--version=}; shift ;;
    --force) force=1; shift ;;
    -h | --help)
      sed -n '2,14p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done

if [ -n "${AWS_VAULT_INSTALL_BASE_URL:-}" ]; then
  base=${AWS_VAULT_INSTALL_BASE_URL%/}
elif [ -n "$version" ]; then
  base="https://github.com/$repo/releases/download/$version"
else
  base="https://github.com/$repo/releases/latest/download"
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "this installer is for Linux and macOS; on Windows use install.ps1 (uname -s: $(uname -s))" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no aws-vault build for this CPU (uname -m: $(uname -m))" ;;
esac

fetch() { # url file
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "needs curl or wget to download"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "needs sha256sum or shasum to verify the download"
  fi
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t aws-vault-install)
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || die "could not download $base/SHA256SUMS"
line=$(grep -E "  aws-vault-[^ ]+-$os-$arch\.tar\.gz\$" "$tmp/SHA256SUMS" | head -n 1 || true)
[ -n "$line" ] || die "the release at $base has no asset for $os-$arch"
want=${line%% *}
asset=${line##* }

fetch "$base/$asset" "$tmp/$asset" || die "could not download $base/$asset"
got=$(sha256 "$tmp/$asset")
[ "$got" = "$want" ] || die "checksum mismatch for $asset: expected $want, got $got; nothing was installed"

mkdir "$tmp/x"
tar -xzf "$tmp/$asset" -C "$tmp/x" || die "$asset is not a valid archive; nothing was installed"
[ -f "$tmp/x/aws-vault" ] || die "$asset holds no aws-vault binary; nothing was installed"
chmod 755 "$tmp/x/aws-vault"
new_version=$("$tmp/x/aws-vault" --version 2>&1) || die "the downloaded aws-vault does not run here: $new_version"

target="$dir/aws-vault"
if [ -e "$target" ] || [ -L "$target" ]; then
  old_version=$("$target" --version 2>&1 || true)
  if echo "$old_version" | grep -Eq '^v?[0-9]+\.[0-9]+\.[0-9]+'; then
    echo "Replacing aws-vault $old_version at $target"
  elif [ "$force" -ne 1 ]; then
    die "$target exists and is not aws-vault; move it away or run again with --force"
  fi
fi

mkdir -p "$dir" || die "cannot create $dir"
cp "$tmp/x/aws-vault" "$dir/.aws-vault.install.$$" || die "cannot write to $dir"
mv -f "$dir/.aws-vault.install.$$" "$target" || die "cannot replace $target"
echo "Installed aws-vault $new_version to $target"

case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "Add $dir to your PATH, e.g. in ~/.profile:  export PATH=\"$dir:\$PATH\"" ;;
esac
cat <<EOF
Shell completion (add to your shell's start-up file):
  bash: eval "\$(aws-vault --completion-script-bash)"     (~/.bashrc)
  zsh:  eval "\$(aws-vault --completion-script-zsh)"      (~/.zshrc)
  fish: aws-vault --completion-script-fish | source     (~/.config/fish/config.fish)
EOF
