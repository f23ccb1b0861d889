# SPDX-License-Identifier: Apache-2.0
# Helper functions shared by every module's build fragment, so that adding a module, a test,
# a fuzz target or a benchmark is one call and no shared file needs editing.

# Strict flags of the device library: C11, pedantic, extra warnings.
set(FCC_DEVICE_FLAGS -std=c11 -pedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wpointer-arith -Wvla -Wformat=2 -Wundef)

# fcc_device_library(NAME SOURCES src... [LIBS lib...])
# A static library of the device side. It may only call the OS through lib/port (checked by
# the test `device_no_os_calls`).
function(fcc_device_library name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/lib/common)
  target_compile_options(${name} PRIVATE ${FCC_DEVICE_FLAGS})
  target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L)
  if(A_LIBS)
    target_link_libraries(${name} PUBLIC ${A_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY FCC_DEVICE_LIBS ${name})
endfunction()

# fcc_test(NAME SOURCES src... [LIBS lib...] [LABELS l...] [ARGS a...] [TIMEOUT s])
# One executable, one ctest entry. Use cmocka for unit tests (link `cmocka`).
function(fcc_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/tests
                                             ${PROJECT_SOURCE_DIR}/lib/common)
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
      FCC_SOURCE_DIR="${PROJECT_SOURCE_DIR}" FCC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  add_test(NAME ${name} COMMAND ${name} ${A_ARGS})
  if(A_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}")
  endif()
  if(A_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT})
  endif()
endfunction()

# fcc_fuzz_target(NAME SOURCE file.c [LIBS lib...])
# Builds NAME_replay (runs every file of fuzz/corpus/NAME through LLVMFuzzerTestOneInput, no
# libFuzzer needed) and registers it with ctest; with FCC_FUZZ also builds NAME_fuzz for libFuzzer.
function(fcc_fuzz_target name)
  cmake_parse_arguments(A "" "SOURCE" "LIBS" ${ARGN})
  add_executable(${name}_replay ${A_SOURCE} ${PROJECT_SOURCE_DIR}/fuzz/replay.c)
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name}_replay PRIVATE ${A_LIBS})
  add_test(NAME fuzz_replay_${name}
           COMMAND ${name}_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS "fuzz")
  if(FCC_FUZZ)
    add_executable(${name}_fuzz ${A_SOURCE})
    target_include_directories(${name}_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/include)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name}_fuzz PRIVATE ${A_LIBS})
    set_property(GLOBAL APPEND PROPERTY FCC_FUZZ_TARGETS ${name})
  endif()
endfunction()

# fcc_bench(NAME SOURCES src... [LIBS lib...])
# A benchmark program that prints its figures; `make bench` runs every one.
function(fcc_bench name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/bench)
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
      FCC_SOURCE_DIR="${PROJECT_SOURCE_DIR}" FCC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  set_property(GLOBAL APPEND PROPERTY FCC_BENCHES ${name})
endfunction()

# Include every *.cmake fragment found in the given folders (relative to the current one).
macro(fcc_include_fragments)
  foreach(dir ${ARGN})
    file(GLOB _frags CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cmake)
    list(SORT _frags)
    foreach(_f ${_frags})
      include(${_f})
    endforeach()
  endforeach()
endmacro()
