#!/usr/bin/env bash
# Fails when a C++ file of ours is not clang-format (Google style) clean, or
# a Bazel file not buildifier-formatted (buildifier comes from npm with the
# browser tests' modules: tools/bootstrap).
# tools/test runs it; tools/format fixes what it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -d '' files < <(find libs services gateway tests tools protos \
  \( -name '*.h' -o -name '*.cc' \) -print0 2>/dev/null)
if [ ${#files[@]} -eq 0 ]; then
  echo "format: no sources found" >&2
  exit 1
fi
clang-format --dry-run -Werror --style=file "${files[@]}"
echo "format: ${#files[@]} files are clang-format clean"
buildifier=tests/browser/node_modules/.bin/buildifier
if [ ! -x "$buildifier" ]; then
  echo "format: $buildifier missing (run tools/bootstrap)" >&2
  exit 1
fi
mapfile -d '' bazel_files < <(git ls-files -z 'WORKSPACE' '*BUILD.bazel' '*.bzl')
"$buildifier" --mode=check --lint=off "${bazel_files[@]}"
echo "format: ${#bazel_files[@]} Bazel files are buildifier clean"
