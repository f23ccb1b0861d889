# SPDX-License-Identifier: Apache-2.0
# Sourced (not run) by scripts/fetch-debian-source.sh and scripts/fetch-debian-binary.sh: the apt
# set-up they share. apt runs with a sources list, package-list folder, archive folder and (empty)
# dpkg status of our own in the project's cache, so the machine's apt configuration (and dpkg's
# architecture list) is never touched, and apt checks every download against Debian's signed
# Release file (debian-archive-keyring).
#
# The caller sets `tag` (its name, for messages) before sourcing this file.

# The cache root: FCC_CACHE_DIR, else $XDG_CACHE_HOME/fcc-provisioning, else ~/.cache/...
debian_cache_dir() {
  echo "${FCC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fcc-provisioning}"
}

# debian_apt_setup APT_DIR SOURCES_LINE TOOL... [-- APT_OPTION...]
# Checks the keyring and the tools, writes APT_DIR/sources.list (SOURCES_LINE, where @KEYRING@
# stands for the keyring's path) and fills the global array apt_opts; options after `--` are
# added to it (e.g. an architecture).
debian_apt_setup() {
  local apt_dir=$1 line=$2
  shift 2
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || { echo "$tag: $keyring missing (package debian-archive-keyring)" >&2; exit 1; }
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    command -v "$1" >/dev/null 2>&1 ||
      { echo "$tag: '$1' not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
    shift
  done
  [ $# -gt 0 ] && shift
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
  echo "${line//@KEYRING@/$keyring}" >"$apt_dir/sources.list"
  : >>"$apt_dir/status"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
            -o "Dir::Cache::Archives=$apt_dir/archives" -o "Dir::Cache=$apt_dir"
            -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -qq "$@")
}

# debian_apt_update APT_DIR INDEX_GLOB WHAT: one `apt-get update` per cache folder (the index is
# reused by the next package); WHAT names the index in the message.
debian_apt_update() {
  if ! ls "$1/lists/"$2 >/dev/null 2>&1; then
    say "reading $3"
    apt-get "${apt_opts[@]}" update >&2
  fi
}
