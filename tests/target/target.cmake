# SPDX-License-Identifier: Apache-2.0
# The device tests on other targets, from the main build: tests/target/ is a separate CMake
# project built once per target with its toolchain file (ExternalProject), and its ctest file is
# included in this folder's, so `ctest` (and `make test`) runs them with the others:
#   label `target`:    the Cortex-M4 build on the emulated MPS2-AN386 board (qemu-system-arm)
#   label `bigendian`: the s390x Linux build under qemu-user (qemu-s390x)
# `make target-test` runs the `target` label alone. Configure with -DFCC_TARGET_TESTS=OFF to skip
# both (they need gcc-arm-none-eabi, gcc-s390x-linux-gnu and qemu: scripts/install-deps.sh).
option(FCC_TARGET_TESTS "Build and run the device tests on the emulated Cortex-M4 board and on big-endian s390x" ON)

if(FCC_TARGET_TESTS)
  include(ExternalProject)
  set(_tgt_tools arm-none-eabi-gcc qemu-system-arm s390x-linux-gnu-gcc qemu-s390x)
  foreach(t ${_tgt_tools})
    find_program(_tool_${t} ${t})
    if(NOT _tool_${t})
      message(FATAL_ERROR "FCC_TARGET_TESTS: '${t}' not found (scripts/install-deps.sh installs it; or configure with -DFCC_TARGET_TESTS=OFF)")
    endif()
  endforeach()
  # Sources of the cross-built dependencies, from Debian source packages (cached after the first
  # fetch): cmocka for the tests and, once the library builds on it, mbedTLS 3.6.
  execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-debian-source.sh cmocka --quiet
                  OUTPUT_VARIABLE _cmocka_src OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "FCC_TARGET_TESTS: fetching Debian's cmocka source failed")
  endif()
  string(REGEX REPLACE ".*\n" "" _cmocka_src "${_cmocka_src}")
  execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-mbedtls.sh --quiet
                  OUTPUT_VARIABLE _mbedtls_src OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "FCC_TARGET_TESTS: fetching Debian's mbedTLS 3.6 source failed")
  endif()
  string(REGEX REPLACE ".*\n" "" _mbedtls_src "${_mbedtls_src}")
  # The s390x build links Debian's own libcbor for s390x, the version the host links (binary
  # packages: Debian's libcbor source is not reachable from the mirror). The board keeps the
  # in-tree subset (tests/target/cbor, docs/port-cortex-m.md).
  set(_cbor_root "")
  foreach(p libcbor-dev libcbor0.8)
    execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-debian-binary.sh ${p} s390x --quiet
                    OUTPUT_VARIABLE _cbor_root OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "FCC_TARGET_TESTS: fetching Debian's ${p}:s390x failed")
    endif()
  endforeach()
  string(REGEX REPLACE ".*\n" "" _cbor_root "${_cbor_root}")
  foreach(side host target)
    if(side STREQUAL "host")
      set(_f /usr/include/cbor/configuration.h)
    else()
      set(_f ${_cbor_root}/usr/include/cbor/configuration.h)
    endif()
    file(STRINGS ${_f} _v REGEX "#define CBOR_(MAJOR|MINOR|PATCH)_VERSION")
    string(REGEX REPLACE "[^0-9;]" "" _cbor_${side} "${_v}")
  endforeach()
  if(NOT _cbor_host STREQUAL _cbor_target)
    message(FATAL_ERROR "FCC_TARGET_TESTS: libcbor for s390x (${_cbor_target}) is not the host's (${_cbor_host})")
  endif()

  set(_host_fcu "")
  if(TARGET fcu)
    set(_host_fcu $<TARGET_FILE:fcu>)
  endif()
  set(_tgt_include "")
  foreach(tgt m4 s390x)
    if(tgt STREQUAL "m4")
      set(_tc ${PROJECT_SOURCE_DIR}/cmake/toolchain-cortex-m4.cmake)
      set(_cbor_arg "")
    else()
      set(_tc ${PROJECT_SOURCE_DIR}/cmake/toolchain-s390x-linux.cmake)
      set(_cbor_arg -DFCC_CBOR_SYSROOT=${_cbor_root})
    endif()
    set(_bin ${PROJECT_BINARY_DIR}/target-${tgt})
    ExternalProject_Add(fcc_target_${tgt}
      SOURCE_DIR ${PROJECT_SOURCE_DIR}/tests/target
      BINARY_DIR ${_bin}
      CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${_tc} -DFCC_CMOCKA_SOURCE=${_cmocka_src}
                 -DFCC_MBEDTLS_SOURCE=${_mbedtls_src} -DFCC_HOST_FCU=${_host_fcu} ${_cbor_arg}
      INSTALL_COMMAND ""
      BUILD_ALWAYS ON
      USES_TERMINAL_BUILD OFF)
    string(APPEND _tgt_include
      "if(EXISTS \"${_bin}/CTestTestfile.cmake\")\n"
      "  include(\"${_bin}/CTestTestfile.cmake\")\n"
      "else()\n"
      "  add_test(${tgt}_target_not_built \"${CMAKE_COMMAND}\" -E false)\n"
      "endif()\n")
  endforeach()
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/target-tests.cmake "${_tgt_include}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_CURRENT_BINARY_DIR}/target-tests.cmake)
endif()

# The board's libcbor subset (tests/target/cbor) behaves as Debian's libcbor: compared on the
# host, with the subset's functions renamed beside the real library (the item API too).
add_library(fcc_cbor_subset_host STATIC ${PROJECT_SOURCE_DIR}/tests/target/cbor/cbor_subset.c
                                        ${PROJECT_SOURCE_DIR}/tests/target/cbor/cbor_items.c)
set_source_files_properties(${PROJECT_SOURCE_DIR}/tests/target/cbor/cbor_subset.c
                            PROPERTIES COMPILE_OPTIONS "${FCC_DEVICE_FLAGS}")
target_compile_definitions(fcc_cbor_subset_host PRIVATE
    cbor_stream_decode=fcc_subset_stream_decode cbor_encode_uint=fcc_subset_encode_uint
    cbor_encode_bytestring_start=fcc_subset_encode_bytestring_start
    cbor_encode_string_start=fcc_subset_encode_string_start
    cbor_encode_array_start=fcc_subset_encode_array_start
    cbor_encode_map_start=fcc_subset_encode_map_start
    cbor_encode_indef_map_start=fcc_subset_encode_indef_map_start
    cbor_encode_break=fcc_subset_encode_break
    cbor_load=fcc_subset_load cbor_decref=fcc_subset_decref cbor_isa_uint=fcc_subset_isa_uint
    cbor_isa_bytestring=fcc_subset_isa_bytestring cbor_isa_string=fcc_subset_isa_string
    cbor_isa_array=fcc_subset_isa_array cbor_isa_map=fcc_subset_isa_map
    cbor_get_int=fcc_subset_get_int cbor_bytestring_length=fcc_subset_bytestring_length
    cbor_bytestring_handle=fcc_subset_bytestring_handle
    cbor_string_length=fcc_subset_string_length cbor_string_handle=fcc_subset_string_handle
    cbor_string_is_definite=fcc_subset_string_is_definite
    cbor_array_size=fcc_subset_array_size cbor_array_handle=fcc_subset_array_handle
    cbor_map_size=fcc_subset_map_size cbor_map_handle=fcc_subset_map_handle)
fcc_test(unit_cbor_subset SOURCES ${PROJECT_SOURCE_DIR}/tests/target/test_cbor_subset.c
         LIBS fcc_cbor_subset_host fcc_cbor)
