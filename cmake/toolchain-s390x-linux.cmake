# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file for big-endian 64-bit Linux on IBM Z (s390x) with Debian's cross compiler
# (gcc-s390x-linux-gnu). The device library's store, KCM and bundle tests are built with it and
# run under qemu-user (qemu-s390x), to prove the library and its on-flash format are independent
# of byte order (tests/target/, label `bigendian`).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)

set(FCC_CROSS_PREFIX s390x-linux-gnu-)
set(CMAKE_C_COMPILER ${FCC_CROSS_PREFIX}gcc)
set(CMAKE_AR ${FCC_CROSS_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${FCC_CROSS_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_SIZE ${FCC_CROSS_PREFIX}size CACHE FILEPATH "size")
set(CMAKE_C_FLAGS_INIT "-O2")

# Programs run under qemu-user with the cross C library as their root.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x -L /usr/s390x-linux-gnu)
set(FCC_TARGET_BOARD linux)

set(CMAKE_FIND_ROOT_PATH /usr/s390x-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
