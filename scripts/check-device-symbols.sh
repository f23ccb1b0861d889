#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fails when a device-library archive (other than lib/port) calls the OS or the heap directly.
# The device library must reach files, clocks, sockets, randomness and malloc only through its
# port layer, so it can run on a microcontroller. Usage: check-device-symbols.sh lib.a...
set -euo pipefail
deny='^(malloc|calloc|realloc|free|open|openat|close|read|write|pread|pwrite|lseek|fopen|fclose|fread|fwrite|fflush|fsync|fdatasync|rename|unlink|mmap|munmap|socket|bind|listen|accept|connect|send|recv|poll|select|time|clock_gettime|gettimeofday|getrandom|rand|srand|random|exit|abort|printf|fprintf|puts|perror|getenv|system|fork|sleep|usleep|nanosleep)$'
status=0
for a in "$@"; do
  bad=$(nm -u --format=posix "$a" 2>/dev/null | awk '{print $1}' | sed 's/@.*//' | grep -E "$deny" | sort -u || true)
  if [ -n "$bad" ]; then
    echo "$(basename "$a"): calls outside the port layer: $(echo $bad)"
    status=1
  else
    echo "$(basename "$a"): ok"
  fi
done
exit $status
