# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file for an Arm Cortex-M4 microcontroller with Debian's bare-metal GNU toolchain
# (gcc-arm-none-eabi, newlib-nano from libnewlib-arm-none-eabi). Used for the device library's
# cross build, its tests on the emulated MPS2-AN386 board (tests/target/) and `make size`:
#   cmake -S tests/target -B build-m4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cortex-m4.cmake
# Code is compiled -Os with one section per function and object so that the linker drops what a
# firmware does not call; soft-float ABI (the library does no floating point).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)

set(FCC_CROSS_PREFIX arm-none-eabi-)
set(CMAKE_C_COMPILER ${FCC_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${FCC_CROSS_PREFIX}gcc)
set(CMAKE_AR ${FCC_CROSS_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${FCC_CROSS_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_SIZE ${FCC_CROSS_PREFIX}size CACHE FILEPATH "size")
# No OS to link a test program for: compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(FCC_TARGET_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft")
set(CMAKE_C_FLAGS_INIT "${FCC_TARGET_CPU_FLAGS} -Os -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${FCC_TARGET_CPU_FLAGS} --specs=nano.specs -nostartfiles -Wl,--gc-sections")
# -Os whatever the build type says.
foreach(t DEBUG RELEASE RELWITHDEBINFO MINSIZEREL)
  set(CMAKE_C_FLAGS_${t}_INIT "-Os")
endforeach()

# The emulated board, for programs that run tests (tests/target/).
set(FCC_TARGET_BOARD mps2-an386)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
