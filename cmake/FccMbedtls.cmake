# SPDX-License-Identifier: Apache-2.0
# mbedTLS 3.6 LTS for the device library, built from source with the project's own configuration
# (config/mbedtls_config.h) instead of a distribution's binary package, so the host build, the
# tests and the cross build of the microcontroller all run the same library with the same modules.
#
# The source tree comes from scripts/fetch-mbedtls.sh (Debian's `mbedtls` source package,
# unpacked once into a cache folder), run here at configure time when FCC_MBEDTLS_SOURCE_DIR is
# not given. A cross toolchain build includes this file the same way and may add a target
# user-config of its own (FCC_MBEDTLS_USER_CONFIG -> MBEDTLS_USER_CONFIG_FILE, included after
# config/mbedtls_config.h). The libraries are EXCLUDE_FROM_ALL: only what a target links is built.
#
# Defines:
#   fcc_mbedtls       INTERFACE target: mbedX509 + mbedcrypto (what the device library uses) and
#                     the PSA random source FCC_PSA_RNG_TARGET
#   fcc_mbedtls_tls   INTERFACE target: the above + libmbedtls (the optional DTLS connect check)
#   FCC_MBEDTLS_VERSION   e.g. 3.6.6

set(FCC_MBEDTLS_SOURCE_DIR "" CACHE PATH
    "Unpacked mbedTLS 3.6 source tree (empty: run scripts/fetch-mbedtls.sh)")
set(FCC_MBEDTLS_USER_CONFIG "" CACHE FILEPATH
    "Extra mbedTLS configuration included after config/mbedtls_config.h (e.g. a target's)")
set(FCC_PSA_RNG_TARGET fcc_port_psa_rng CACHE STRING
    "Library implementing mbedtls_psa_external_get_random (host: lib/port's, over getrandom)")

if(NOT FCC_MBEDTLS_SOURCE_DIR)
  execute_process(COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/fetch-mbedtls.sh --quiet
                  OUTPUT_VARIABLE _fcc_mbed_out RESULT_VARIABLE _fcc_mbed_rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _fcc_mbed_rc EQUAL 0)
    message(FATAL_ERROR "scripts/fetch-mbedtls.sh failed (${_fcc_mbed_rc}); run it by hand to "
                        "see why, or pass -DFCC_MBEDTLS_SOURCE_DIR=<unpacked mbedTLS 3.6 tree>")
  endif()
  string(REGEX REPLACE ".*\n" "" _fcc_mbed_out "${_fcc_mbed_out}")
  set(FCC_MBEDTLS_SOURCE_DIR "${_fcc_mbed_out}" CACHE PATH
      "Unpacked mbedTLS 3.6 source tree (empty: run scripts/fetch-mbedtls.sh)" FORCE)
endif()
if(NOT EXISTS ${FCC_MBEDTLS_SOURCE_DIR}/include/mbedtls/build_info.h)
  message(FATAL_ERROR "FCC_MBEDTLS_SOURCE_DIR=${FCC_MBEDTLS_SOURCE_DIR} is not an mbedTLS 3.x tree")
endif()
file(STRINGS ${FCC_MBEDTLS_SOURCE_DIR}/include/mbedtls/build_info.h _fcc_mbed_ver
     REGEX "#define MBEDTLS_VERSION_STRING +\"")
string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" FCC_MBEDTLS_VERSION "${_fcc_mbed_ver}")
if(NOT FCC_MBEDTLS_VERSION MATCHES "^3\\.6\\.")
  message(FATAL_ERROR "mbedTLS ${FCC_MBEDTLS_VERSION} at ${FCC_MBEDTLS_SOURCE_DIR}: 3.6.x needed")
endif()
message(STATUS "mbedTLS ${FCC_MBEDTLS_VERSION} from ${FCC_MBEDTLS_SOURCE_DIR}")

# mbedTLS's own options: the libraries only, static, no programs, tests, install or generation.
set(MBEDTLS_CONFIG_FILE ${PROJECT_SOURCE_DIR}/config/mbedtls_config.h CACHE FILEPATH "" FORCE)
set(MBEDTLS_USER_CONFIG_FILE "${FCC_MBEDTLS_USER_CONFIG}" CACHE FILEPATH "" FORCE)
set(ENABLE_PROGRAMS OFF CACHE BOOL "" FORCE)
set(ENABLE_TESTING OFF CACHE BOOL "" FORCE)
set(GEN_FILES OFF CACHE BOOL "" FORCE)
set(USE_STATIC_MBEDTLS_LIBRARY ON CACHE BOOL "" FORCE)
set(USE_SHARED_MBEDTLS_LIBRARY OFF CACHE BOOL "" FORCE)
set(DISABLE_PACKAGE_CONFIG_AND_INSTALL ON CACHE BOOL "" FORCE)
set(MBEDTLS_FATAL_WARNINGS ON CACHE BOOL "" FORCE)
# Its CMakeLists adds no test of its own with ENABLE_TESTING off; keep ctest's list ours.
add_subdirectory(${FCC_MBEDTLS_SOURCE_DIR} ${PROJECT_BINARY_DIR}/mbedtls EXCLUDE_FROM_ALL)

# Headers the platform supplies to mbedTLS: config/psa/internal_trusted_storage.h (PSA's persistent
# keys are stored by KCM, lib/kcm/kcm_psa_its.c, not by mbedTLS's file backend).
target_include_directories(mbedcrypto PUBLIC ${PROJECT_SOURCE_DIR}/config)

add_library(fcc_mbedtls INTERFACE)
target_link_libraries(fcc_mbedtls INTERFACE mbedx509 mbedcrypto)
# mbedcrypto calls the PSA random source: link it after mbedcrypto in every program.
target_link_libraries(mbedcrypto INTERFACE ${FCC_PSA_RNG_TARGET})
add_library(fcc_mbedtls_tls INTERFACE)
target_link_libraries(fcc_mbedtls_tls INTERFACE mbedtls fcc_mbedtls)
