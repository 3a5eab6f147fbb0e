#!/usr/bin/env bash
# Builds the operator's image from the Dockerfile without a container engine: buildah (chroot
# isolation, the host's network, never pulling) on local stand-ins for the Dockerfile's two bases,
# made from Debian's own packages with mmdebstrap and the machine's apt sources. Root only; needs
# Debian's buildah and mmdebstrap (hack/deps.sh).
#   hack/image.sh build [tag]     writes target/image/regcred-operator-<tag>.oci.tar and prints its
#                                 path; tag defaults to the pom version without -SNAPSHOT
#   hack/image.sh push <archive> docker://<host:port>/<repository>:<tag>
#                     [--user <name> --password-file <file>] [--ca <file> | --plain-http]
#                                 (or REGCRED_PUSH_USER, _PASSWORD_FILE, _CA, _PLAIN_HTTP=true)
#   hack/image.sh clean           deletes the cached bases and buildah's storage
# The bases' root filesystems are cached in ~/.cache/regcred-operator/image-bases/ under a key of
# what defines them, and buildah keeps its own storage in ~/.cache/regcred-operator/buildah/, so
# only the first build runs mmdebstrap (`clean` to pick up newer Debian packages). The build
# stage's Maven uses the host's ~/.m2 through a build-time mount. A build leaves nothing behind:
# it runs in a mount namespace of its own, and removes its containers.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${XDG_CACHE_HOME:-$HOME/.cache}/regcred-operator
bases_dir=$cache/image-bases
storage=$cache/buildah

# What defines the bases; a change to any of these makes new ones. Bump BASES_VERSION when the way
# they are made changes (the options of make_rootfs).
BASES_VERSION=1
SUITE=bookworm
# debian:bookworm-slim is minbase alone.
RUNTIME_PACKAGES=()
# A JDK 17 with jmods for jlink (in the JDK package on bookworm), binutils for jlink's
# --strip-debug (objcopy), curl and CA certificates for the Maven wrapper's download.
BUILD_PACKAGES=(openjdk-17-jdk-headless binutils curl ca-certificates)
APT_SOURCES=${REGCRED_IMAGE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}

die() {
  echo "image.sh: $*" >&2
  exit 1
}

# buildah with its storage, and the network configuration it initialises even for host networking
# (containers.conf), under the cache rather than in /var/lib/containers and /etc/cni.
bah() {
  CONTAINERS_CONF=$storage/containers.conf \
    buildah --root "$storage/root" --runroot "$storage/runroot" --storage-driver overlay "$@"
}

write_containers_conf() {
  printf '[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "%s"\n' "$storage/cni" >"$storage/containers.conf"
}

project_version() {
  local version
  version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)
  [[ -n $version ]] || die "no project version in pom.xml"
  echo "${version%-SNAPSHOT}"
}

bases_key() {
  printf '%s\n' "$BASES_VERSION" "$SUITE" "$(dpkg --print-architecture)" "$@" | sha256sum | cut -c1-12
}

# make_rootfs <tarball> [mmdebstrap options...]: a root filesystem made like the official slim
# images: merged /usr, no documentation, manual pages or translations (also for packages installed
# later), and apt that keeps no package caches in a layer.
make_rootfs() {
  local out=$1 work
  shift
  work=$(mktemp -d)
  mkdir "$work/apt.conf.d"
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  printf 'DPkg::Post-Invoke { %s };\nAPT::Update::Post-Invoke { %s };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
    "$clean" "$clean" >"$work/apt.conf.d/docker-clean"
  echo 'Acquire::GzipIndexes "true";' >"$work/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$work/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$work/apt.conf.d/docker-autoremove-suggests"
  local excludes=(
    'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright'
    'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/groff/*'
    'path-exclude=/usr/share/linda/*' 'path-exclude=/usr/share/lintian/overrides/*'
    'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias'
  )
  # With those settings in place mmdebstrap's own clean-up no longer finds apt's binary caches.
  mmdebstrap --variant=minbase --format=tar --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    "${excludes[@]/#/--dpkgopt=}" "$@" \
    --customize-hook="sync-in $work/apt.conf.d /etc/apt/apt.conf.d" \
    --customize-hook='rm -f "$1"/var/cache/apt/*.bin' \
    "$SUITE" "$out.tmp" "$APT_SOURCES" >&2 || {
    rm -rf "$work" "$out.tmp"
    die "mmdebstrap failed"
  }
  rm -rf "$work"
  mv "$out.tmp" "$out"
}

# import_base <image> <tarball> [buildah config options...]: the tarball as a one-layer image in
# buildah's storage, once.
import_base() {
  local image=$1 rootfs=$2 ctr
  shift 2
  bah inspect --type image "$image" >/dev/null 2>&1 && return
  echo "importing $rootfs as $image" >&2
  ctr=$(bah from scratch)
  bah add "$ctr" "$rootfs" / >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$@" "$ctr"
  bah commit --rm --quiet "$ctr" "$image" >/dev/null
}

# Prints the local image standing in for debian:bookworm-slim.
runtime_base() {
  local key rootfs include=()
  key=$(bases_key runtime "${RUNTIME_PACKAGES[@]}")
  rootfs=$bases_dir/runtime-$SUITE-$key.tar
  if [[ ! -s $rootfs ]]; then
    echo "making the runtime base ($SUITE minbase, slim) with mmdebstrap" >&2
    if ((${#RUNTIME_PACKAGES[@]})); then
      include=(--include="$(IFS=,; echo "${RUNTIME_PACKAGES[*]}")")
    fi
    make_rootfs "$rootfs" "${include[@]}"
  fi
  import_base "localhost/regcred-base/runtime:$SUITE-$key" "$rootfs"
  echo "localhost/regcred-base/runtime:$SUITE-$key"
}

# Prints the local image standing in for eclipse-temurin:17-jdk: JAVA_HOME set, root.
build_base() {
  local key rootfs java_home
  key=$(bases_key build "${BUILD_PACKAGES[@]}")
  rootfs=$bases_dir/build-$SUITE-$key.tar
  java_home=/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)
  if [[ ! -s $rootfs ]]; then
    echo "making the build base ($SUITE, ${BUILD_PACKAGES[*]}) with mmdebstrap" >&2
    # The JRE's postinst links its manual page into /usr/share/man/man1, which the excludes omit.
    make_rootfs "$rootfs" --include="$(IFS=,; echo "${BUILD_PACKAGES[*]}")" \
      --essential-hook='mkdir -p "$1/usr/share/man/man1"'
  fi
  import_base "localhost/regcred-base/build:$SUITE-$key" "$rootfs" --env JAVA_HOME="$java_home"
  echo "localhost/regcred-base/build:$SUITE-$key"
}

# java.desktop is among the JRE's modules (libraries reference java.beans and java.awt); its
# window, font, image and sound libraries link X11 and media libraries a slim base lacks, and a
# headless operator never loads them.
DESKTOP_LIBS=' libawt_xawt.so libjawt.so libfontmanager.so libjavajpeg.so libjsound.so liblcms.so libsplashscreen.so '

# check_image <image>: the image runs the operator. As the image's own user (65532) and with its
# environment, every other JRE library resolves on the base, and the entrypoint starts the operator
# as far as calling the API server (one that refuses the connection here). The payload's class-data
# sharing archive is used only if the image kept the jars' modification times (the JVM checks them);
# otherwise the JVM loads classes as usual.
check_image() {
  local image=$1 ctr user unmet lib out
  local entrypoint=()
  user=$(bah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
  [[ $user == 65532:65532 ]] || die "image user is '$user', not 65532:65532"
  mapfile -t entrypoint < <(bah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{.}}{{"\n"}}{{end}}' "$image")
  ctr=$(bah from --pull-never --quiet "$image")
  unmet=$(bah run --isolation chroot "$ctr" -- sh -c '
    export LD_LIBRARY_PATH=/opt/regcred/jre/lib:/opt/regcred/jre/lib/server
    for f in /opt/regcred/jre/bin/* /opt/regcred/jre/lib/*.so /opt/regcred/jre/lib/server/*.so; do
      ldd "$f" | sed -n "s|^[[:space:]]*\([^ ]*\) => not found.*|${f##*/} \1|p"
    done')
  while read -r lib _; do
    [[ -z $lib || $DESKTOP_LIBS == *" $lib "* ]] || die "$lib needs a library the base lacks: $(grep "^$lib " <<<"$unmet")"
  done <<<"$unmet"
  out=$(bah run --isolation chroot --network host \
    --env KUBERNETES_MASTER=https://127.0.0.1:1 --env KUBERNETES_AUTH_TRYKUBECONFIG=false \
    --env KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT=0 \
    "$ctr" -- timeout 60 "${entrypoint[@]}" 2>&1) || true
  bah rm "$ctr" >/dev/null
  grep -q '"formattedMessage":"starting regcred-operator ' <<<"$out" && grep -q 'java.net.ConnectException' <<<"$out" \
    || die "the operator did not start in the image:"$'\n'"$out"
  echo "checked: runs as $user; the entrypoint starts the operator, which calls the API server" >&2
}

build() {
  local tag=${1:-$(project_version)}
  [[ $(id -u) -eq 0 ]] || die "buildah builds here as root"
  command -v buildah >/dev/null && command -v mmdebstrap >/dev/null || die "needs buildah and mmdebstrap: hack/deps.sh"
  grep -qw "$SUITE" "$APT_SOURCES" 2>/dev/null || die "$APT_SOURCES names no $SUITE suite: set REGCRED_IMAGE_APT_SOURCES"
  # Whatever buildah and mmdebstrap mount goes away with this mount namespace, even on a kill.
  if [[ -z ${REGCRED_IMAGE_OWN_MOUNTS:-} ]]; then
    exec env REGCRED_IMAGE_OWN_MOUNTS=1 unshare --mount --propagation private "$PWD/hack/image.sh" build "$@"
  fi
  mkdir -p "$bases_dir" "$storage" "$HOME/.m2" target/image
  exec 9>"$cache/image.lock"
  flock 9
  write_containers_conf
  # Runtime state only (mounts, containers in use); nothing of it outlives a build.
  rm -rf "$storage/runroot"
  trap 'bah rm --all >/dev/null 2>&1 || true' EXIT

  local runtime build_image image archive
  runtime=$(runtime_base)
  build_image=$(build_base)
  image=localhost/regcred-operator:$tag
  archive=$PWD/target/image/regcred-operator-$tag.oci.tar
  echo "building $image from the Dockerfile on $build_image and $runtime" >&2
  bah bud --isolation chroot --network host --pull=never \
    --build-arg BUILD_IMAGE="$build_image" --build-arg RUNTIME_IMAGE="$runtime" \
    --volume "$HOME/.m2:/root/.m2" --tag "$image" --file Dockerfile . >&2
  check_image "$image"
  rm -f "$archive" "$archive.tmp"
  bah push --quiet "$image" "oci-archive:$archive.tmp:$tag" >&2
  bah rmi "$image" >/dev/null
  bah rmi --prune >/dev/null  # images a rebuild or a failed build left untagged
  mv "$archive.tmp" "$archive"
  echo "$archive"
}

push() {
  (($# >= 2)) || die "usage: hack/image.sh push <archive> docker://<host:port>/<repository>:<tag> [options]"
  local archive=$1 dest=$2
  shift 2
  local user=${REGCRED_PUSH_USER:-} password_file=${REGCRED_PUSH_PASSWORD_FILE:-}
  local ca=${REGCRED_PUSH_CA:-} plain_http=${REGCRED_PUSH_PLAIN_HTTP:-false}
  while (($#)); do
    case $1 in
      --user) user=$2; shift 2 ;;
      --password-file) password_file=$2; shift 2 ;;
      --ca) ca=$2; shift 2 ;;
      --plain-http) plain_http=true; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ -f $archive ]] || die "no archive $archive"
  [[ $dest == docker://* ]] || die "destination must be docker://<host:port>/<repository>:<tag>"
  local host=${dest#docker://}
  host=${host%%/*}

  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  local options=()
  if [[ -n $user ]]; then
    [[ -r $password_file ]] || die "--user needs a readable --password-file"
    # An auth file rather than --dest-creds keeps the password out of the process list.
    (
      umask 077
      printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$host" \
        "$(printf '%s:%s' "$user" "$(tr -d '\n' <"$password_file")" | base64 -w0)" >"$work/auth.json"
    )
    options+=(--dest-authfile "$work/auth.json")
  fi
  if [[ $plain_http == true ]]; then
    options+=(--dest-tls-verify=false)
  elif [[ -n $ca ]]; then
    mkdir "$work/certs"
    cp "$ca" "$work/certs/ca.crt"
    options+=(--dest-cert-dir "$work/certs")
  fi
  skopeo copy "${options[@]}" "oci-archive:$archive" "$dest" >&2
  echo "$dest"
}

clean() {
  [[ $(id -u) -eq 0 ]] || die "buildah's storage belongs to root"
  [[ -d $cache ]] || return 0
  exec 9>"$cache/image.lock"
  flock 9
  if [[ -d $storage ]]; then
    write_containers_conf
    bah rm --all >/dev/null 2>&1 || true
    bah rmi --all --force >/dev/null 2>&1 || true
  fi
  rm -rf "$storage" "$bases_dir"
}

case ${1:-} in
  build) shift; build "$@" ;;
  push) shift; push "$@" ;;
  clean) clean ;;
  *) die "usage: hack/image.sh build [tag] | push <archive> docker://<dest> [options] | clean" ;;
esac
