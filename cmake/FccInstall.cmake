# SPDX-License-Identifier: Apache-2.0
# `cmake --install build --prefix DIR`: the device library (static libfcc.a and shared
# libfcc.so, made of the modules' objects) and libfcu with their headers, pkg-config files
# fcc.pc and fcu.pc, CMake packages (find_package(fcc), find_package(fcu)), the tools fcu and
# fcc-device, and their manual pages (generated from docs/ with pandoc when it is installed).
# Every installed file that names the prefix finds it from its own location, so the tree is
# right for whatever prefix `cmake --install` is given.
include(GNUInstallDirs)
set(FCC_INSTALL_LIBDIR ${CMAKE_INSTALL_LIBDIR})

# how many folders up from <libdir>/pkgconfig and <libdir>/cmake/<name> the prefix is
string(REGEX MATCHALL "[^/]+" _libdir_parts "${CMAKE_INSTALL_LIBDIR}")
list(LENGTH _libdir_parts _n)
set(FCC_PC_UP "..")
set(FCC_CMAKE_UP "../..")
foreach(_i RANGE 1 ${_n})
  string(APPEND FCC_PC_UP "/..")
  string(APPEND FCC_CMAKE_UP "/..")
endforeach()

set(_fcc_modules fcc_core fcc_kcm fcc_store fcc_ftcd fcc_port)
set(_have_device ON)
foreach(m ${_fcc_modules})
  if(NOT TARGET ${m})
    set(_have_device OFF)
  endif()
endforeach()

if(_have_device)
  set(_objs "")
  # the device modules, and the crypto they were built with (mbedTLS 3.6 from source with
  # config/mbedtls_config.h, and the port's PSA random source): libfcc is self-contained
  set(_fcc_parts ${_fcc_modules})
  foreach(m fcc_kcm_psa_its mbedx509 mbedcrypto ${FCC_PSA_RNG_TARGET})
    if(TARGET ${m})
      list(APPEND _fcc_parts ${m})
    endif()
  endforeach()
  foreach(m ${_fcc_parts})
    list(APPEND _objs $<TARGET_OBJECTS:${m}>)
  endforeach()
  add_library(fcc_static STATIC ${_objs})
  add_library(fcc_shared SHARED ${_objs})
  set_target_properties(fcc_static PROPERTIES OUTPUT_NAME fcc)
  set_target_properties(fcc_shared PROPERTIES OUTPUT_NAME fcc VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR})
  target_link_libraries(fcc_shared PRIVATE fcc_cbor)
  target_link_options(fcc_shared PRIVATE -Wl,--no-undefined)
  # what a static link needs besides libfcc.a (pkg-config --static, fcc::fcc_static)
  set(FCC_PC_LIBS_PRIVATE "-lcbor")
  set(FCC_CMAKE_LIBS_PRIVATE "cbor")
  install(TARGETS fcc_static fcc_shared
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fcc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # The connect check (lib/connect, fcc/connect.h) is optional on a device, so it is a library of
  # its own over libfcc: libfcc_connect (static and shared) holds lib/connect and mbedTLS's TLS
  # library; the POSIX UDP transport is in libfcc's port. pkg-config fcc-connect, CMake
  # fcc::fcc_connect / fcc::fcc_connect_static.
  if(TARGET fcc_connect AND TARGET mbedtls)
    add_library(fcc_connect_static STATIC $<TARGET_OBJECTS:fcc_connect> $<TARGET_OBJECTS:mbedtls>)
    add_library(fcc_connect_shared SHARED $<TARGET_OBJECTS:fcc_connect> $<TARGET_OBJECTS:mbedtls>)
    set_target_properties(fcc_connect_static PROPERTIES OUTPUT_NAME fcc_connect)
    set_target_properties(fcc_connect_shared PROPERTIES OUTPUT_NAME fcc_connect
                          VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
    target_link_libraries(fcc_connect_shared PRIVATE fcc_shared)
    target_link_options(fcc_connect_shared PRIVATE -Wl,--no-undefined)
    install(TARGETS fcc_connect_static fcc_connect_shared
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    configure_file(${CMAKE_CURRENT_LIST_DIR}/pkg/fcc-connect.pc.in
                   ${PROJECT_BINARY_DIR}/pkg/fcc-connect.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/pkg/fcc-connect.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endif()
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkg/fcc.pc.in ${PROJECT_BINARY_DIR}/pkg/fcc.pc @ONLY)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkg/fccConfig.cmake.in
                 ${PROJECT_BINARY_DIR}/pkg/fccConfig.cmake @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkg/fcc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  install(FILES ${PROJECT_BINARY_DIR}/pkg/fccConfig.cmake
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fcc)
endif()

if(TARGET fcu_shared)
  install(TARGETS fcu_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/include/fcu/fcu.h ${PROJECT_SOURCE_DIR}/include/fcu/fcu_line.h
                ${PROJECT_SOURCE_DIR}/include/fcu/fcu_registry.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fcu)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkg/fcu.pc.in ${PROJECT_BINARY_DIR}/pkg/fcu.pc @ONLY)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkg/fcuConfig.cmake.in
                 ${PROJECT_BINARY_DIR}/pkg/fcuConfig.cmake @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkg/fcu.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  install(FILES ${PROJECT_BINARY_DIR}/pkg/fcuConfig.cmake
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fcu)
endif()

foreach(t fcu fcc-device)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# Manual pages: a header page (name, synopsis, environment) followed by the tool's manuals.
find_program(PANDOC pandoc)
if(PANDOC)
  set(_d ${PROJECT_SOURCE_DIR}/docs)
  set(FCU_MAN_SOURCES ${_d}/man/fcu-head.md ${_d}/fcu-setup.md ${_d}/fcu-validate.md
      ${_d}/fcu-bundle.md ${_d}/fcu-inspect.md ${_d}/fcu-inject.md ${_d}/fcu-batch.md
      ${_d}/fcu-registry.md ${_d}/fcu-config.md ${_d}/fcu-codes.md ${_d}/fcu-hsm.md)
  set(DEV_MAN_SOURCES ${_d}/man/fcc-device-head.md ${_d}/fcc-device.md)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/fcu.1
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND ${PANDOC} -s -f markdown-smart -t man -o ${PROJECT_BINARY_DIR}/man/fcu.1
                             ${FCU_MAN_SOURCES}
                     DEPENDS ${FCU_MAN_SOURCES} VERBATIM)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/fcc-device.1
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND ${PANDOC} -s -f markdown-smart -t man
                             -o ${PROJECT_BINARY_DIR}/man/fcc-device.1 ${DEV_MAN_SOURCES}
                     DEPENDS ${DEV_MAN_SOURCES} VERBATIM)
  add_custom_target(man ALL DEPENDS ${PROJECT_BINARY_DIR}/man/fcu.1
                                    ${PROJECT_BINARY_DIR}/man/fcc-device.1)
  install(FILES ${PROJECT_BINARY_DIR}/man/fcu.1 ${PROJECT_BINARY_DIR}/man/fcc-device.1
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "pandoc not found: no manual pages (scripts/install-deps.sh installs it)")
endif()
